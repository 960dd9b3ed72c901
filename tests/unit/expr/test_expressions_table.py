"""Expression -> expected output, as Kestra (Pebble) renders it.

Every ``{{ }}`` expression of the seed flows 01-11 is here with realistic variables, followed by
the operators, filters, tests and functions of kestra-reference §5.
"""

from __future__ import annotations

import pytest
from tests.unit.expr.expr_fixtures import EXTRACT_CSV, GREEN_CSV, VARIABLES, FakeServices

from lanner.expr import Renderer

SQL_04_CREATE = """CREATE TABLE IF NOT EXISTS {{render(vars.table)}} (
    unique_row_id          text,
    filename               text
);
"""
SQL_04_UPDATE = """UPDATE {{render(vars.staging_table)}}
SET
  filename = '{{render(vars.file)}}';
"""
SQL_04_MERGE = """MERGE INTO {{render(vars.table)}} AS T
USING {{render(vars.staging_table)}} AS S
ON T.unique_row_id = S.unique_row_id
"""
SQL_03 = """INSTALL json;
LOAD json;
SELECT brand, round(avg(price), 2) as avg_price
FROM read_json_auto('{{workingDir}}/products.json')
GROUP BY brand
ORDER BY avg_price DESC;
"""
SQL_08_EXT = """CREATE OR REPLACE EXTERNAL TABLE `{{kv('GCP_PROJECT_ID')}}.{{render(vars.table)}}_ext`
(
    unique_row_id BYTES
)
OPTIONS (
    format = 'CSV',
    uris = ['{{render(vars.gcs_file)}}'],
    skip_leading_rows = 1
);
"""
SQL_08_TABLE = """CREATE OR REPLACE TABLE `{{kv('GCP_PROJECT_ID')}}.{{render(vars.table)}}`
AS
SELECT
  "{{render(vars.file)}}" AS filename,
  *
FROM `{{kv('GCP_PROJECT_ID')}}.{{render(vars.table)}}_ext`;
"""
SQL_08_MERGE = """MERGE INTO `{{kv('GCP_PROJECT_ID')}}.{{kv('GCP_DATASET')}}.yellow_tripdata` T
USING `{{kv('GCP_PROJECT_ID')}}.{{render(vars.table)}}` S
"""
LOG_10 = """❌ Response WITHOUT RAG (no retrieved context):
{{ outputs.chat_without_rag.textOutput }}

🤔 Did you notice that this response seems to be:
- Incorrect
"""
LOG_11 = """✅ Response WITH RAG (retrieved context):
{{ outputs.chat_with_rag.textOutput }}
"""

CASES: list[tuple[str, str, str]] = [
    # --- 01_hello_world ------------------------------------------------------------------------
    ("{{ render(vars.welcome_message) }}", "f01", "Hello, Will!"),
    ("This is an output: {{ outputs.generate_output.value }}", "f01",
     "This is an output: I was generated during this workflow."),
    ("Goodbye, {{ inputs.name }}!", "f01", "Goodbye, Will!"),
    ("{{ vars.welcome_message }}", "f01", "Hello, {{ inputs.name }}!"),  # vars are raw
    ("{{ renderOnce(vars.welcome_message) }}", "f01", "Hello, Will!"),
    # --- 03_getting_started_data_pipeline ------------------------------------------------------
    ("{{outputs.extract.uri}}", "f03", "kestra:///zoomcamp/03/executions/abc/tasks/extract/x/products.json"),
    ("{{inputs.columns_to_keep}}", "f03", '["brand","price"]'),
    ("{{outputs.transform.outputFiles['products.json']}}", "f03",
     "kestra:///zoomcamp/03/transform/products.json"),
    (SQL_03, "f03", SQL_03.replace("{{workingDir}}", "/tmp/lanner/wd")),
    # --- 04_postgres_taxi ----------------------------------------------------------------------
    ("{{inputs.taxi}}_tripdata_{{inputs.year}}-{{inputs.month}}.csv", "f04", "yellow_tripdata_2019-01.csv"),
    ("public.{{inputs.taxi}}_tripdata_staging", "f04", "public.yellow_tripdata_staging"),
    ("public.{{inputs.taxi}}_tripdata", "f04", "public.yellow_tripdata"),
    ("{{outputs.extract.outputFiles[inputs.taxi ~ '_tripdata_' ~ inputs.year ~ '-' ~ inputs.month ~ "
     "'.csv']}}", "f04", EXTRACT_CSV),
    ("{{render(vars.file)}}", "f04", "yellow_tripdata_2019-01.csv"),
    ("{{inputs.taxi}}", "f04", "yellow"),
    ("wget -qO- https://github.com/DataTalksClub/nyc-tlc-data/releases/download/{{inputs.taxi}}/"
     "{{render(vars.file)}}.gz | gunzip > {{render(vars.file)}}", "f04",
     "wget -qO- https://github.com/DataTalksClub/nyc-tlc-data/releases/download/yellow/"
     "yellow_tripdata_2019-01.csv.gz | gunzip > yellow_tripdata_2019-01.csv"),
    ("{{inputs.taxi == 'yellow'}}", "f04", "true"),
    ("{{inputs.taxi == 'green'}}", "f04", "false"),
    (SQL_04_CREATE, "f04", SQL_04_CREATE.replace("{{render(vars.table)}}", "public.yellow_tripdata")),
    ("TRUNCATE TABLE {{render(vars.staging_table)}};", "f04",
     "TRUNCATE TABLE public.yellow_tripdata_staging;"),
    ("{{render(vars.data)}}", "f04", EXTRACT_CSV),
    ("{{render(vars.staging_table)}}", "f04", "public.yellow_tripdata_staging"),
    (SQL_04_UPDATE, "f04",
     "UPDATE public.yellow_tripdata_staging\nSET\n  filename = 'yellow_tripdata_2019-01.csv';\n"),
    (SQL_04_MERGE, "f04",
     "MERGE INTO public.yellow_tripdata AS T\nUSING public.yellow_tripdata_staging AS S\n"
     "ON T.unique_row_id = S.unique_row_id\n"),
    ("{{render(vars.table)}}", "f04", "public.yellow_tripdata"),
    # --- 05_postgres_taxi_scheduled ------------------------------------------------------------
    ("{{inputs.taxi}}_tripdata_{{trigger.date | date('yyyy-MM')}}.csv", "f05", "green_tripdata_2019-01.csv"),
    ("{{trigger.date | date('yyyy-MM')}}", "f05", "2019-01"),
    ("{{outputs.extract.outputFiles[inputs.taxi ~ '_tripdata_' ~ (trigger.date | date('yyyy-MM')) ~ "
     "'.csv']}}", "f05", GREEN_CSV),
    ("{{render(vars.file)}}", "f05", "green_tripdata_2019-01.csv"),
    ("{{render(vars.data)}}", "f05", GREEN_CSV),
    ("{{render(vars.staging_table)}}", "f05", "public.green_tripdata_staging"),
    ("CREATE TABLE IF NOT EXISTS {{render(vars.table)}} (", "f05",
     "CREATE TABLE IF NOT EXISTS public.green_tripdata ("),
    ("{{inputs.taxi == 'green'}}", "f05", "true"),
    ("filename = '{{render(vars.file)}}';", "f05", "filename = 'green_tripdata_2019-01.csv';"),
    # --- 07_gcp_setup --------------------------------------------------------------------------
    ("{{kv('GCP_BUCKET_NAME')}}", "f08", "zoomcamp-bucket"),
    ("{{kv('GCP_DATASET')}}", "f08", "zoomcamp"),
    ("{{secret('GCP_CREDS')}}", "f08", '{"type":"service_account"}'),
    ("{{kv('GCP_PROJECT_ID')}}", "f08", "kestra-sandbox"),
    ("{{kv('GCP_LOCATION')}}", "f08", "europe-west2"),
    # --- 08_gcp_taxi ---------------------------------------------------------------------------
    ("gs://{{kv('GCP_BUCKET_NAME')}}/{{vars.file}}", "f08",
     "gs://zoomcamp-bucket/{{inputs.taxi}}_tripdata_{{inputs.year}}-{{inputs.month}}.csv"),
    ("{{render(vars.gcs_file)}}", "f08", "gs://zoomcamp-bucket/yellow_tripdata_2019-01.csv"),
    ("{{kv('GCP_DATASET')}}.{{inputs.taxi}}_tripdata_{{inputs.year}}_{{inputs.month}}", "f08",
     "zoomcamp.yellow_tripdata_2019_01"),
    ("{{render(vars.table)}}", "f08", "zoomcamp.yellow_tripdata_2019_01"),
    ("{{render(vars.data)}}", "f08", EXTRACT_CSV),
    ("CREATE TABLE IF NOT EXISTS `{{kv('GCP_PROJECT_ID')}}.{{kv('GCP_DATASET')}}.yellow_tripdata`", "f08",
     "CREATE TABLE IF NOT EXISTS `kestra-sandbox.zoomcamp.yellow_tripdata`"),
    (SQL_08_EXT, "f08", SQL_08_EXT.replace("{{kv('GCP_PROJECT_ID')}}.{{render(vars.table)}}",
                                            "kestra-sandbox.zoomcamp.yellow_tripdata_2019_01")
     .replace("{{render(vars.gcs_file)}}", "gs://zoomcamp-bucket/yellow_tripdata_2019-01.csv")),
    (SQL_08_TABLE, "f08", SQL_08_TABLE.replace("{{kv('GCP_PROJECT_ID')}}.{{render(vars.table)}}",
                                                "kestra-sandbox.zoomcamp.yellow_tripdata_2019_01")
     .replace("{{render(vars.file)}}", "yellow_tripdata_2019-01.csv")),
    (SQL_08_MERGE, "f08", "MERGE INTO `kestra-sandbox.zoomcamp.yellow_tripdata` T\n"
                          "USING `kestra-sandbox.zoomcamp.yellow_tripdata_2019_01` S\n"),
    # --- 09_gcp_taxi_scheduled -----------------------------------------------------------------
    ("{{kv('GCP_DATASET')}}.{{inputs.taxi}}_tripdata_{{trigger.date | date('yyyy_MM')}}", "f09",
     "zoomcamp.green_tripdata_2019_01"),
    ("{{render(vars.table)}}", "f09", "zoomcamp.green_tripdata_2019_01"),
    ("{{render(vars.gcs_file)}}", "f09", "gs://zoomcamp-bucket/green_tripdata_2019-01.csv"),
    ("{{render(vars.data)}}", "f09", GREEN_CSV),
    ("uris = ['{{render(vars.gcs_file)}}'],", "f09", "uris = ['gs://zoomcamp-bucket/green_tripdata_2019-01.csv'],"),
    # --- 10_chat_without_rag / 11_chat_with_rag ------------------------------------------------
    ("{{ kv('GEMINI_API_KEY') }}", "f10", "gemini-key"),
    (LOG_10, "f10",
     LOG_10.replace("{{ outputs.chat_without_rag.textOutput }}", "Kestra 1.1 added flow triggers.")),
    (LOG_11, "f11",
     LOG_11.replace("{{ outputs.chat_with_rag.textOutput }}", "Kestra 1.1 added: 1. **AI** ✨")),
    # --- output conversion ---------------------------------------------------------------------
    ("plain text, no braces", "gen", "plain text, no braces"),
    ("a { lone brace", "gen", "a { lone brace"),
    ("{{ inputs.items }}", "gen", '["b","a","c"]'),
    ("{{ inputs.user }}", "gen", '{"first":"Ada","tags":["x","y"]}'),
    ("{{ inputs.unicode }} {{ ['é'] }}", "gen", 'Ünïcödé ok ["é"]'),
    ("{{ inputs.flag }}", "gen", "false"),
    ("{{ true }}/{{ false }}", "gen", "true/false"),
    ("[{{ inputs.nothing }}]", "gen", "[]"),
    ("{{ null }}", "gen", ""),
    ("{{ inputs.n }}", "gen", "7"),
    ("{{ inputs.ratio }}", "gen", "2.5"),
    ("{{ 100.0 }}", "gen", "100.0"),
    ("{{ 1.0E7 }}", "gen", "1.0E7"),
    ("{{ 0.0001 }}", "gen", "1.0E-4"),
    ("{{ execution.startDate }}", "gen", "2024-07-12T05:07:28.447110Z"),
    ("{{ when }}", "gen", "2024-01-02T03:04:05Z"),
    ("{{ [1, 'a', true, null, 1.5] }}", "gen", '[1,"a",true,null,1.5]'),
    ('{{ {"k": inputs.name} }}', "gen", '{"k":"Will"}'),
    ("{{ {'a': {'b': [1, 2]}} }}", "gen", '{"a":{"b":[1,2]}}'),
    ("{{ 'it\\'s' }}", "gen", "it's"),
    ("{# a comment #}kept", "gen", "kept"),
    ("line1\n{{ inputs.name }}\n", "gen", "line1\nWill\n"),
    # --- attribute access ----------------------------------------------------------------------
    ("{{ outputs.a.values }}", "gen", "[1,2]"),  # a key named like a dict method
    ("{{ outputs.a.count }}", "gen", "3"),
    ("{{ inputs['name'] }}", "gen", "Will"),
    ("{{ inputs.items[0] }}{{ inputs.items.1 }}", "gen", "ba"),
    ("{{ inputs.user.tags[1] }}", "gen", "y"),
    ("{{ outputs.each['v2'].value }}", "gen", "two"),
    ("{{ labels.team }}", "gen", "data"),
    ("{{ envs.region }}", "gen", "eu"),
    ("{{ flow.namespace }}.{{ flow.id }}", "gen", "zoomcamp.general"),
    # --- operators -----------------------------------------------------------------------------
    ("{{ inputs.name ~ '-' ~ inputs.n }}", "gen", "Will-7"),
    ("{{ 'a' ~ inputs.name | upper }}", "gen", "AWILL"),  # Pebble: | binds looser than ~
    ("{{ 'a' ~ (inputs.name | upper) }}", "gen", "aWILL"),
    ("{{ 'x' ~ null ~ true }}", "gen", "xtrue"),
    ("{{ missing ?? 'fallback' }}", "gen", "fallback"),
    ("{{ inputs.nothing ?? 'was null' }}", "gen", "was null"),
    ("{{ inputs.name ?? 'x' }}", "gen", "Will"),
    ("{{ inputs.flag ?? 'x' }}", "gen", "false"),
    ("{{ a ?? b ?? 'c' }}", "gen", "c"),
    ("{{ missing.deep.path ?? inputs.name }}", "gen", "Will"),
    ("{{ (missing ?? 'x') ~ '-' ~ inputs.name }}", "gen", "x-Will"),
    ("{{ trigger.date ?? execution.startDate | date('yyyy-MM-dd') }}", "gen", "2024-03-15"),
    ("{{ nope.date ?? execution.startDate | date('yyyy-MM-dd') }}", "gen", "2024-07-12"),
    ("{{ (missing | upper) ?? 'safe' }}", "gen", "safe"),
    ("{{ inputs.nothing ??? 'x' }}", "gen", ""),
    ("{{ missing ??? 'x' }}", "gen", "x"),
    ("{{ inputs.n == 7 ? 'seven' : 'other' }}", "gen", "seven"),
    ("{{ inputs.n > 10 ? 'big' : inputs.n > 5 ? 'medium' : 'small' }}", "gen", "medium"),
    ("{{ inputs.flag ? 'yes' : 'no' }}", "gen", "no"),
    ("{{ (missing ?? 1) == 1 ? 'one' : 'other' }}", "gen", "one"),
    ("{{ 1 + 2 * 3 }}", "gen", "7"),
    ("{{ (1 + 2) * 3 }}", "gen", "9"),
    ("{{ inputs.n / 2 }}", "gen", "3"),  # Java long division
    ("{{ -7 / 2 }}", "gen", "-3"),
    ("{{ inputs.n / 2.0 }}", "gen", "3.5"),
    ("{{ inputs.n % 3 }}", "gen", "1"),
    ("{{ -7 % 3 }}", "gen", "-1"),
    ("{{ inputs.ratio * 2 }}", "gen", "5.0"),
    ("{{ 10 - 2 - 3 }}", "gen", "5"),
    ("{{ -inputs.n }}", "gen", "-7"),
    ("{{ 'a' + 1 }}", "gen", "a1"),
    ("{{ [1] + [2, 3] }}", "gen", "[1,2,3]"),
    ("{{ 5 == 5.0 }}", "gen", "true"),
    ("{{ null == null }}", "gen", "true"),
    ("{{ inputs.name != 'Bob' }}", "gen", "true"),
    ("{{ inputs.name equals 'Will' }}", "gen", "true"),
    ("{{ inputs.n >= 7 and inputs.n < 8 }}", "gen", "true"),
    ("{{ false or inputs.n <= 6 }}", "gen", "false"),
    ("{{ not inputs.flag }}", "gen", "true"),
    ("{{ not (inputs.n > 1) }}", "gen", "false"),
    ("{{ inputs.items contains 'a' }}", "gen", "true"),
    ("{{ inputs.items contains ['a', 'c'] }}", "gen", "true"),
    ("{{ inputs.user contains 'first' }}", "gen", "true"),
    ("{{ inputs.name contains 'il' }}", "gen", "true"),
    ("{{ 'c' in inputs.items }}", "gen", "true"),
    ("{{ 3 in ['3', '4'] }}", "gen", "true"),
    ("{{ 'z' not in inputs.items }}", "gen", "true"),
    ("{{ 1..4 }}", "gen", "[1,2,3,4]"),
    # --- tests ---------------------------------------------------------------------------------
    ("{{ inputs.name is defined }}", "gen", "true"),
    ("{{ missing is defined }}", "gen", "false"),
    ("{{ missing.a.b is not defined }}", "gen", "true"),
    ("{{ inputs.nothing is null }}", "gen", "true"),
    ("{{ inputs.name is not null }}", "gen", "true"),
    ("{{ inputs.empty is empty }}/{{ inputs.blank is empty }}/{{ inputs.items is empty }}", "gen",
     "true/true/false"),
    ("{{ inputs.n is odd }}/{{ inputs.n is even }}", "gen", "true/false"),
    ("{{ inputs.items is iterable }}/{{ inputs.user is map }}", "gen", "true/true"),
    ("{{ '{\"a\": 1}' is json }}/{{ 'nope' is json }}", "gen", "true/false"),
    # --- tags ----------------------------------------------------------------------------------
    ("{% if inputs.n > 5 %}big{% else %}small{% endif %}", "gen", "big"),
    ("{% if missing is defined %}a{% elif inputs.flag %}b{% else %}c{% endif %}", "gen", "c"),
    ("{% if inputs.n == 1 %}one{% elseif inputs.n == 2 %}two{% elseif inputs.n == 7 %}seven{% else %}many"
     "{% endif %}", "gen", "seven"),
    ("{% if inputs.n == 1 %}one{% elseif inputs.n == 3 %}three{% endif %}", "gen", ""),
    ("{%- if inputs.n == 1 -%}one{%- elseif inputs.n > 2 -%}more{%- endif -%}", "gen", "more"),
    ("{{ {'a': 1, 'b': [true, null], 'c': 'x'} | toIon }}", "gen", '{a:1,b:[true,null],c:"x"}'),
    ("{{ ksuid() | length }}/{{ randomPort() > 0 }}", "gen", "27/true"),
    ("{{ 'x,y,z' | split(',', 1) | length }}/{{ 'x,y,z' | split(',', 2) | last }}", "gen", "1/y,z"),
    ("{{ 'A' isIn ['A', 'B'] }}/{{ inputs.n isIn [1, 2] }}/{{ not (inputs.n isIn [7]) }}", "gen",
     "true/false/false"),
    ("{% for i in inputs.items %}{{ loop.index }}{{ i }}{% endfor %}", "gen", "0b1a2c"),
    ("{% for e in inputs.user %}{{ e.key }};{% endfor %}", "gen", "first;tags;"),
    ("{% for i in inputs.nums %}{% if loop.index == 1 %}{{ loop.length }}{% endif %}{{ loop.revindex }}"
     "{% endfor %}", "gen", "2310"),
    ("{% for i in inputs.nums %}{{ loop.first }}{{ loop.last }}|{% endfor %}", "gen",
     "truefalse|falsefalse|falsetrue|"),
    ("{% macro hi(n) %}Hi {{ n }}{% endmacro %}{{ hi('Ada') }}", "gen", "Hi Ada"),
    ("{%- if true -%}  trimmed  {%- endif -%}", "gen", "trimmed"),
    ("{{ missing ?? 'a' == 'a' ? 1 : 2 }}", "gen", "1"),  # ?? binds tighter than ==
    ("{{ '}}' ~ '?' ~ 'a:b' }}", "gen", "}}?a:b"),
    ("{% for x in inputs.nothing %}x{% else %}none{% endfor %}", "gen", "none"),
    ("{% set total = inputs.n + 1 %}{{ total }}", "gen", "8"),
    ("{% raw %}{{ not rendered }}{% endraw %}", "gen", "{{ not rendered }}"),
    ("{% if true %}\nkept newline\n{% endif %}\n", "gen", "\nkept newline\n\n"),
    # --- functions -----------------------------------------------------------------------------
    ("{{ render(vars.twice) }}", "gen", "[Will]"),
    ("{{ render(vars.raw) }}", "gen", "{{ keep }}"),
    ("{{ render('{{ inputs.name }}') }}", "gen", "Will"),
    ("{{ render(42) }}", "gen", "42"),
    ("{{ kv('CONFIG') }}", "gen", '{"region":"eu","sizes":[1,2]}'),
    ("{{ kv('CONFIG').sizes[1] }}", "gen", "2"),
    ("{{ kv('GCP_PROJECT_ID', 'other') }}", "gen", "other-project"),
    ("{{ kv('GCP_PROJECT_ID', namespace='other') }}", "gen", "other-project"),
    ("[{{ kv('NOPE', errorOnMissing=false) }}]", "gen", "[]"),
    ("{{ fileURI('queries/q.sql') }}", "gen", "kestra:///zoomcamp/_files/queries/q.sql"),
    ("{{ read('queries/q.sql') }}", "gen", "SELECT 1"),
    ("{{ fileExists('queries/q.sql') }}/{{ fileExists('nope') }}", "gen", "true/false"),
    ("{{ fileSize('queries/q.sql') }}", "gen", "8"),
    ("{{ isFileEmpty('empty.txt') }}/{{ fileEmpty('queries/q.sql') }}", "gen", "true/false"),
    ("{{ fromJson('{\"a\": [1, 2]}').a[1] }}", "gen", "2"),
    ("{{ json('[1,2]') | length }}", "gen", "2"),
    ("{{ yaml('a: 1\\nb: [x, y]').b }}", "gen", '["x","y"]'),
    ("{{ errorLogs()[0].message }}", "gen", "boom"),
    ("{{ uuid() | length }}", "gen", "36"),
    ("{{ id() | length }}", "gen", "22"),
    ("{{ randomInt(5, 6) }}", "gen", "5"),
    ("{{ max(3, 9, 4) }}/{{ min(inputs.nums) }}", "gen", "9/1"),
    ("{{ range(2, 5) }}", "gen", "[2,3,4,5]"),
    ("{{ range(0, 10, 5) }}", "gen", "[0,5,10]"),
    ("{{ now() | length }}", "gen", "27"),
    ("{{ now(format='yyyy') | length }}", "gen", "4"),
    ("{{ currentEachOutput(outputs.each) }}", "each", '{"value":"two"}'),
    # --- date filters --------------------------------------------------------------------------
    ("{{ trigger.date | date('yyyy-MM-dd HH:mm:ss') }}", "gen", "2024-03-15 10:30:45"),
    ("{{ trigger.date | date }}", "gen", "2024-03-15T10:30:45.123456Z"),
    ("{{ trigger.date | date('iso_sec') }}", "gen", "2024-03-15T10:30:45Z"),
    ("{{ trigger.date | date('sql') }}", "gen", "2024-03-15 10:30:45.123456"),
    ("{{ trigger.date | date('sql_seq') }}", "gen", "2024-03-15 10:30:45"),
    ("{{ trigger.date | date('iso_date') }}", "gen", "2024-03-15Z"),
    ("{{ trigger.date | date('iso_local_date') }}", "gen", "2024-03-15"),
    ("{{ trigger.date | date('iso_instant') }}", "gen", "2024-03-15T10:30:45.123456Z"),
    ("{{ trigger.date | date('iso_date_time') }}", "gen", "2024-03-15T10:30:45.123456Z"),
    ("{{ trigger.date | date('yyyy-MM-dd\\'T\\'HH:mm:ssXXX', timeZone='Europe/Paris') }}", "gen",
     "2024-03-15T11:30:45+01:00"),
    ("{{ trigger.date | date('HH:mm z', timeZone='America/New_York') }}", "gen", "06:30 EDT"),
    ("{{ trigger.date | date('EEE, d MMM yy h:mm a') }}", "gen", "Fri, 15 Mar 24 10:30 AM"),
    ("{{ trigger.date | date('EEEE MMMM dd') }}", "gen", "Friday March 15"),
    ("{{ trigger.date | date('SSS|SSSSSS|Z|X') }}", "gen", "123|123456|+0000|Z"),
    ("{{ trigger.epoch | date('yyyy-MM-dd HH:mm:ss') }}", "gen", "2023-11-14 22:13:20"),
    ("{{ '2024-01-15' | date('dd/MM/yyyy') }}", "gen", "15/01/2024"),
    ("{{ '2024-01-15T08:00:00' | date('HH:mm') }}", "gen", "08:00"),
    ("{{ '2024-01-15T08:00:00+02:00' | date('HH:mm') }}", "gen", "06:00"),
    ("{{ '15/01/2024 08:30' | date('yyyy-MM-dd HH:mm', existingFormat='dd/MM/yyyy HH:mm') }}", "gen",
     "2024-01-15 08:30"),
    ("{{ when | dateAdd(1, 'DAYS', format='yyyy-MM-dd') }}", "gen", "2024-01-03"),
    ("{{ '2024-01-31T00:00:00Z' | dateAdd(1, 'MONTHS', format='yyyy-MM-dd') }}", "gen", "2024-02-29"),
    ("{{ when | dateAdd(-2, 'HOURS') }}", "gen", "2024-01-02T01:04:05.000000Z"),
    ("{{ when | timestamp }}", "gen", "1704164645"),
    ("{{ when | timestampMilli }}", "gen", "1704164645000"),
    ("{{ trigger.date | timestampMicro }}", "gen", "1710498645123456"),
    ("{{ when | timestampNano }}", "gen", "1704164645000000000"),
    # --- text filters --------------------------------------------------------------------------
    ("{{ inputs.name | upper }}/{{ inputs.name | lower }}", "gen", "WILL/will"),
    ("[{{ '  pad  ' | trim }}]", "gen", "[pad]"),
    ("{{ 'hello wORLD' | capitalize }}/{{ 'hello wORLD' | title }}", "gen", "Hello wORLD/Hello WORLD"),
    ("{{ 'abcdefghij' | abbreviate(6) }}", "gen", "abc..."),
    ("{{ 'a-b-c' | replace({'-': '_'}) }}", "gen", "a_b_c"),
    ("{{ 'a-b-c' | replace('-', '+') }}", "gen", "a+b+c"),
    ("{{ 'a1b22' | replace({'\\\\d+': '#'}, regexp=true) }}", "gen", "a#b#"),
    ("{{ 'k=v' | replace({'(\\\\w)=(\\\\w)': '$2=$1'}, regexp=true) }}", "gen", "v=k"),
    ("{{ 'a,b,,c,,' | split(',') }}", "gen", '["a","b","","c"]'),
    ("{{ 'a.b.c' | split('\\\\.', 2) }}", "gen", '["a","b.c"]'),
    ("{{ 'Hello World_ été!' | slugify }}", "gen", "hello-world-ete"),
    ("{{ 'hello' | base64encode }}/{{ 'aGVsbG8=' | base64decode }}", "gen", "aGVsbG8=/hello"),
    ("{{ 'a b&c~*' | urlencode }}/{{ 'a+b%26c' | urldecode }}", "gen", "a+b%26c%7E*/a b&c"),
    ("{{ 'abc' | md5 }}", "gen", "900150983cd24fb0d6963f7d28e17f72"),
    ("{{ 'abc' | sha1 }}", "gen", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("{{ 'abc' | sha256 }}", "gen", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("{{ 'abc' | sha512 | length }}", "gen", "128"),
    ("{{ inputs.name | startsWith('Wi') }}/{{ inputs.name | endsWith('x') }}", "gen", "true/false"),
    ("{{ 'a.b.c' | substringBefore('.') }}|{{ 'a.b.c' | substringBeforeLast('.') }}", "gen", "a|a.b"),
    ("{{ 'a.b.c' | substringAfter('.') }}|{{ 'a.b.c' | substringAfterLast('.') }}", "gen", "b.c|c"),
    ("{{ 'a.b' | substringAfter('x') }}|{{ 'a.b' | substringBefore('x') }}", "gen", "|a.b"),
    ("{{ \"it's\" | escapeChar('single') }}|{{ \"it's\" | escapeChar('shell') }}", "gen", "it\\'s|it'\\''s"),
    ("{{ 'say \"hi\"' | escapeChar('double') }}", "gen", 'say \\"hi\\"'),
    ("{{ 'a\\nb' | indent(2) }}", "gen", "a\n  b"),
    ("{{ 'a\\nb' | nindent(2) }}", "gen", "\n  a\n  b"),
    ("{{ -3 | abs }}", "gen", "3"),
    ("{{ '12' | number + 1 }}/{{ '1.5' | number }}/{{ '7' | number('FLOAT') }}", "gen", "13/1.5/7.0"),
    ("{{ 1234.5 | numberformat('#,##0.00') }}", "gen", "1,234.50"),
    # Java DecimalFormat: padding zeros, percent, default grouping, half-even, prefix/suffix text
    ("{{ 7 | numberformat('000') }}/{{ 0.256 | numberformat('0.0%') }}/{{ 1234567 | numberformat }}",
     "gen", "007/25.6%/1,234,567"),
    ("{{ 2.345 | numberformat('0.00') }}/{{ 2.355 | numberformat('0.00') }}/{{ 0.5 | numberformat('#') }}",
     "gen", "2.35/2.35/0"),
    ("{{ -1234.5 | numberformat('$#,##0.00') }}/{{ 3.14159 | numberformat('#.##') }}/"
     "{{ 0.5 | numberformat('#.#') }}", "gen", "-$1,234.50/3.14/.5"),
    ("{{ 42 | numberformat(\"'#'0 'items'\") }}/{{ 1234.5678 | numberformat }}", "gen",
     "#42 items/1,234.568"),
    ("{{ 42 | string }}/{{ '042' | string }}", "gen", "42/42"),
    ("{{ 'x' | className }}/{{ [1] | className }}", "gen", "java.lang.String/java.util.ArrayList"),
    # --- data filters --------------------------------------------------------------------------
    ("[{{ missing | default('d') }}|{{ inputs.empty | default('e') }}|{{ inputs.name | default('x') }}]",
     "gen", "[d|e|Will]"),
    ("{{ missing.a.b | default('deep') }}", "gen", "deep"),
    ("{{ inputs.items | first }}/{{ inputs.items | last }}/{{ inputs.name | first }}", "gen", "b/c/W"),
    ("{{ inputs.items | length }}/{{ inputs.user | length }}/{{ inputs.name | length }}", "gen", "3/2/4"),
    ("{{ inputs.items | join(', ') }}", "gen", "b, a, c"),
    ("{{ inputs.user | keys }}", "gen", '["first","tags"]'),
    ("{{ {'a': 1, 'b': 2} | values }}", "gen", "[1,2]"),
    ("{{ inputs.user | toJson }}", "gen", '{"first":"Ada","tags":["x","y"]}'),
    ("{{ 'str' | toJson }}/{{ null | toJson }}", "gen", '"str"/null'),
    ("{{ inputs.items | json }}", "gen", '["b","a","c"]'),
    ("{{ inputs.user | jq('.tags') }}", "gen", '[["x","y"]]'),
    ("{{ inputs.user | jq('.first') | first }}", "gen", "Ada"),
    ("{{ '{\"a\": [1, 2, 3]}' | jq('.a[] | select(. > 1)') }}", "gen", "[2,3]"),
    ("{{ inputs.nested | flatten }}", "gen", "[1,2,3,4]"),
    ("{{ [1, 2, 3, 4, 5] | chunk(2) }}", "gen", "[[1,2],[3,4],[5]]"),
    ("{{ [1, 2, 1, 3, 2] | distinct }}", "gen", "[1,2,3]"),
    ("{{ inputs.nums | sort }}/{{ inputs.nums | rsort }}", "gen", "[1,2,3]/[3,2,1]"),
    ("{{ inputs.items | reverse }}/{{ 'abc' | reverse }}", "gen", '["c","a","b"]/cba'),
    ("{{ inputs.items | slice(1, 3) }}/{{ 'abcdef' | slice(2, 4) }}", "gen", '["a","c"]/cd'),
    ("{{ {'a': 1} | merge({'b': 2}) }}/{{ [1] | merge([2]) }}", "gen", '{"a":1,"b":2}/[1,2]'),
    ("{{ 'a: [1, 2]' | yaml }}", "gen", '{"a":[1,2]}'),
]


@pytest.mark.parametrize(("expression", "variables", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_expression(expression: str, variables: str, expected: str) -> None:
    renderer = Renderer(FakeServices())
    if variables == "each":  # inside a ForEach iteration whose value is v2
        values = {**VARIABLES["gen"], "taskrun": {"id": "t", "value": "v2"}}
    else:
        values = VARIABLES[variables]
    assert renderer.render(expression, values) == expected


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 120
