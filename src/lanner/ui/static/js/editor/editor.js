// CodeMirror 6 set up for flow YAML: highlighting, completion, and the server's validation
// issues shown inline at their line (the same validator as `lanner validate`).
import {
  Compartment, EditorSelection, EditorState, EditorView, basicSetup, indentUnit, indentWithTab, keymap,
  lintGutter, oneDark, setDiagnostics, yamlLanguage,
} from "../../vendor/lanner-vendor.js";

const isDark = () => document.documentElement.dataset.theme === "dark";

/** Diagnostics for CodeMirror from Kestra-shaped issues {message, path, line, column, hint, severity}. */
export function diagnosticsOf(doc, issues) {
  return issues.map((issue) => {
    const lineNo = Math.min(Math.max(issue.line || 1, 1), doc.lines);
    const line = doc.line(lineNo);
    const from = line.from + Math.min(Math.max((issue.column || 1) - 1, 0), line.length);
    const to = line.to > from ? line.to : Math.min(from + 1, doc.length);
    const where = issue.path ? `${issue.path}: ` : "";
    return {
      from, to,
      severity: issue.severity === "warning" ? "warning" : "error",
      message: `${where}${issue.message}${issue.hint ? `\n${issue.hint}` : ""}`,
      source: "lanner validate",
    };
  });
}

export function createYamlEditor(parent, { doc, onChange, onSave, completion, readOnly = false, label = "Flow YAML" }) {
  const theme = new Compartment();
  const extensions = [
    basicSetup,
    keymap.of([indentWithTab, {
      key: "Mod-s", preventDefault: true, run: () => { if (onSave) onSave(); return true; },
    }]),
    yamlLanguage(),
    indentUnit.of("  "),
    EditorState.tabSize.of(2),
    lintGutter(),
    theme.of(isDark() ? oneDark : []),
    EditorState.readOnly.of(readOnly),
    EditorView.contentAttributes.of({ "aria-label": label }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged && onChange) onChange(update.state.doc.toString());
    }),
  ];
  if (completion) extensions.push(EditorState.languageData.of(() => [{ autocomplete: completion }]));
  const view = new EditorView({ parent, state: EditorState.create({ doc, extensions }) });
  const onTheme = () => view.dispatch({ effects: theme.reconfigure(isDark() ? oneDark : []) });
  window.addEventListener("lanner:theme", onTheme);
  // Tests and power users reach the editor through its DOM node.
  view.dom.lannerView = view;
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(text) {
      if (text === view.state.doc.toString()) return;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    setIssues(issues) {
      view.dispatch(setDiagnostics(view.state, diagnosticsOf(view.state.doc, issues)));
    },
    goToLine(lineNo, column = 1) {
      const line = view.state.doc.line(Math.min(Math.max(lineNo, 1), view.state.doc.lines));
      const pos = line.from + Math.min(Math.max(column - 1, 0), line.length);
      view.dispatch({ selection: EditorSelection.cursor(pos), effects: EditorView.scrollIntoView(pos, { y: "center" }) });
      view.focus();
    },
    destroy() {
      window.removeEventListener("lanner:theme", onTheme);
      view.destroy();
    },
  };
}
