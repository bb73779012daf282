import { chatApp, sendOnEnter } from './app.js';

const send = chatApp(() => {
  const div = document.createElement('div');
  div.contentEditable = 'true';
  div.setAttribute('role', 'textbox');
  div.setAttribute('aria-label', 'Message');
  div.innerHTML = '<p><br></p>';
  document.getElementById('editor')?.append(div);
  sendOnEnter(div, () => send());
  return {
    composer: div,
    getText: () => div.innerText.replace(/\n$/, ''),
    clear: () => {
      div.innerHTML = '<p><br></p>';
    },
  };
});
