import { defaultKeymap, history, historyKeymap, insertNewlineAndIndent } from '@codemirror/commands';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { chatApp } from './app.js';

const send = chatApp(() => {
  const view = new EditorView({
    parent: /** @type {HTMLElement} */ (document.getElementById('editor')),
    state: EditorState.create({
      doc: '',
      extensions: [
        history(),
        keymap.of([
          {
            key: 'Enter',
            run: () => {
              void send();
              return true;
            },
            shift: insertNewlineAndIndent,
          },
          ...defaultKeymap,
          ...historyKeymap,
        ]),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': 'Message', 'data-composer': '' }),
      ],
    }),
  });
  return {
    composer: view.contentDOM,
    getText: () => view.state.doc.toString(),
    clear: () => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: '' } }),
  };
});
