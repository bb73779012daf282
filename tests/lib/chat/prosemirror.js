import { baseKeymap } from 'prosemirror-commands';
import { history, redo, undo } from 'prosemirror-history';
import { keymap } from 'prosemirror-keymap';
import { schema } from 'prosemirror-schema-basic';
import { EditorState } from 'prosemirror-state';
import { EditorView } from 'prosemirror-view';
import 'prosemirror-view/style/prosemirror.css';
import { chatApp } from './app.js';

const send = chatApp(() => {
  const fresh = () =>
    EditorState.create({
      schema,
      plugins: [
        history(),
        keymap({
          Enter: () => {
            void send();
            return true;
          },
          'Shift-Enter': baseKeymap.Enter,
          'Mod-z': undo,
          'Mod-y': redo,
        }),
        keymap(baseKeymap),
      ],
    });
  const view = new EditorView(document.getElementById('editor'), { state: fresh(), attributes: { role: 'textbox', 'aria-label': 'Message', 'data-composer': '' } });
  return {
    composer: view.dom,
    getText: () => view.state.doc.textBetween(0, view.state.doc.content.size, '\n'),
    clear: () => view.updateState(fresh()),
  };
});
