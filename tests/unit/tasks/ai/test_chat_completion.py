"""``io.kestra.plugin.ai.completion.ChatCompletion`` end to end, models on the local fake server."""

from __future__ import annotations

from lanner.llm.fakeserver import FakeLLMServer, FakeReply

from .conftest import KEY, run_ai_flow

GEMINI_CHAT = """\
id: chat
namespace: company.ai
tasks:
  - id: ask
    type: io.kestra.plugin.ai.completion.ChatCompletion
    provider:
      type: io.kestra.plugin.ai.provider.GoogleGemini
      modelName: gemini-2.5-flash
      apiKey: "{{ kv('GEMINI_API_KEY') }}"
    configuration:
      temperature: 0.2
      topK: 20
      maxToken: 100
    messages:
      - type: SYSTEM
        content: You answer in French.
      - type: USER
        content: "Hello, I am {{ flow.id }}"
      - type: AI
        content: Bonjour !
      - type: USER
        content: Say goodbye.
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.ask.textOutput }} ({{ outputs.ask.tokenUsage.totalTokenCount }} tokens)"
"""


def test_gemini_chat_completion(server: FakeLLMServer) -> None:
    server.add_reply("Au revoir !")
    run = run_ai_flow(GEMINI_CHAT, server)
    assert run.state == "SUCCESS"
    outputs = run.outputs("ask")
    assert outputs["textOutput"] == "Au revoir !"
    assert outputs["tokenUsage"] == {"inputTokenCount": 12, "outputTokenCount": 3, "totalTokenCount": 15}
    assert outputs["finishReason"] == "STOP"
    assert isinstance(outputs["requestDuration"], int)
    assert "Au revoir ! (15 tokens)" in run.messages()

    request = server.chat_requests()[0]
    assert request.path.endswith("/models/gemini-2.5-flash:generateContent")
    assert request.headers["x-goog-api-key"] == KEY
    assert request.json["systemInstruction"]["parts"][0]["text"] == "You answer in French."
    assert [(c["role"], c["parts"][0]["text"]) for c in request.json["contents"]] == [
        ("user", "Hello, I am chat"), ("model", "Bonjour !"), ("user", "Say goodbye.")]
    assert request.json["generationConfig"] == {"temperature": 0.2, "topK": 20, "maxOutputTokens": 100}
    assert KEY not in run.everything_logged_or_output()


JSON_CHAT = """\
id: extract
namespace: company.ai
tasks:
  - id: ask
    type: io.kestra.plugin.ai.completion.ChatCompletion
    provider:
      type: io.kestra.plugin.ai.provider.OpenAI
      modelName: gpt-4o-mini
      apiKey: sk-inline-secret-key
      baseUrl: "{{ inputs.base }}"
    configuration:
      responseFormat:
        type: JSON
        jsonSchema:
          type: object
          properties:
            city: {type: string}
    messages: "{{ [{'type': 'USER', 'content': 'Where is the Eiffel tower?'}] }}"
inputs:
  - id: base
    type: STRING
"""


def test_json_response_format_with_an_openai_compatible_endpoint(server: FakeLLMServer) -> None:
    server.add_reply('{"city": "Paris"}')
    run = run_ai_flow(JSON_CHAT, inputs={"base": server.url + "/v1"})
    assert run.state == "SUCCESS", run.messages()
    outputs = run.outputs("ask")
    assert outputs["jsonOutput"] == {"city": "Paris"} and outputs["textOutput"] is None
    request = server.chat_requests()[0]
    assert request.path == "/v1/chat/completions"
    assert request.json["messages"] == [{"role": "user", "content": "Where is the Eiffel tower?"}]
    schema = request.json["response_format"]["json_schema"]["schema"]
    assert schema["properties"] == {"city": {"type": "string"}}
    assert request.headers["Authorization"] == "Bearer sk-inline-secret-key"
    assert "sk-inline-secret-key" not in run.everything_logged_or_output()


def test_provider_error_fails_the_task_without_the_key(server: FakeLLMServer) -> None:
    server.add_reply(FakeReply(status=400, body={"error": {
        "code": 400, "message": f"API key not valid: {KEY}", "status": "INVALID_ARGUMENT"}}))
    run = run_ai_flow(GEMINI_CHAT, server)
    assert run.state == "FAILED"
    text = run.everything_logged_or_output()
    assert "Gemini answered HTTP 400 (check the API key)" in text
    assert KEY not in text


def test_empty_key_fails_clearly(server: FakeLLMServer) -> None:
    run = run_ai_flow(GEMINI_CHAT.replace("\"{{ kv('GEMINI_API_KEY') }}\"", "\"{{ kv('EMPTY') }}\""), server,
                      kv={"EMPTY": ""})
    assert run.state == "FAILED"
    assert any("`apiKey` is empty" in message for message in run.messages())
    assert server.requests == []


def test_unsupported_properties_fail_clearly(server: FakeLLMServer) -> None:
    tools = "    tools:\n      - type: io.kestra.plugin.ai.tool.GoogleCustomWebSearch\n"
    flow = GEMINI_CHAT.replace("    configuration:", tools + "    configuration:")
    run = run_ai_flow(flow, server)
    assert run.state == "FAILED"
    assert any("`tools` is not supported" in message for message in run.messages())


def test_invalid_configuration(server: FakeLLMServer) -> None:
    run = run_ai_flow(GEMINI_CHAT.replace("temperature: 0.2", "temperature: warm"), server)
    assert run.state == "FAILED"
    assert any("configuration.temperature must be a number" in message for message in run.messages())
