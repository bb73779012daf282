import { registerRichText } from '@lexical/rich-text';
import { $createParagraphNode, $getRoot, COMMAND_PRIORITY_HIGH, createEditor, KEY_ENTER_COMMAND } from 'lexical';
import { chatApp } from './app.js';

const send = chatApp(() => {
  const root = document.createElement('div');
  root.contentEditable = 'true';
  root.setAttribute('role', 'textbox');
  root.setAttribute('aria-label', 'Message');
  document.getElementById('editor')?.append(root);
  const editor = createEditor({
    namespace: 'chat',
    onError: (e) => {
      throw e;
    },
  });
  editor.setRootElement(root);
  registerRichText(editor);
  editor.registerCommand(
    KEY_ENTER_COMMAND,
    (event) => {
      if (!event || event.shiftKey) return false;
      event.preventDefault();
      void send();
      return true;
    },
    COMMAND_PRIORITY_HIGH,
  );
  return {
    composer: root,
    getText: () => editor.getEditorState().read(() => $getRoot().getTextContent()),
    clear: () =>
      editor.update(() => {
        const p = $createParagraphNode();
        $getRoot().clear().append(p);
        p.select();
      }),
  };
});
