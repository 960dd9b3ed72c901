// Everything the UI imports from npm, re-exported from ONE ES module so the app (plain ES modules
// under src/lanner/ui/static/js) needs no build step and no Node.js at install or run time.
export { h, render, Fragment, Component, createContext, createRef } from "preact";
export {
  useState, useEffect, useLayoutEffect, useRef, useMemo, useCallback, useContext, useReducer,
  useErrorBoundary,
} from "preact/hooks";
import { h } from "preact";
import htm from "htm";
export const html = htm.bind(h);

export { basicSetup, minimalSetup } from "codemirror";
export { EditorState, EditorSelection, Compartment, StateEffect, StateField } from "@codemirror/state";
export { EditorView, keymap, Decoration, ViewPlugin, placeholder } from "@codemirror/view";
export { indentWithTab } from "@codemirror/commands";
export { yaml as yamlLanguage } from "@codemirror/lang-yaml";
export { syntaxTree, indentUnit } from "@codemirror/language";
export { linter, lintGutter, setDiagnostics, forEachDiagnostic, diagnosticCount } from "@codemirror/lint";
export { autocompletion, completionStatus, startCompletion } from "@codemirror/autocomplete";
export { MergeView, unifiedMergeView } from "@codemirror/merge";
export { oneDark } from "@codemirror/theme-one-dark";

export { parseDocument, parse as parseYaml, LineCounter, isMap, isSeq, isScalar, isPair } from "yaml";
