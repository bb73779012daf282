import Quill from 'quill';
import 'quill/dist/quill.core.css';
import { chatApp } from './app.js';

const send = chatApp(() => {
  const quill = new Quill(/** @type {HTMLElement} */ (document.getElementById('editor')), {
    modules: {
      toolbar: false,
      keyboard: {
        bindings: {
          // Bindings given here run before Quill's own Enter handling; returning false stops it.
          send: {
            key: 'Enter',
            shiftKey: false,
            handler: () => {
              void send();
              return false;
            },
          },
        },
      },
    },
  });
  quill.root.setAttribute('aria-label', 'Message');
  return {
    composer: quill.root,
    // Quill's text always ends with the newline of its last line.
    getText: () => quill.getText().replace(/\n$/, ''),
    clear: () => quill.setText(''),
  };
});
