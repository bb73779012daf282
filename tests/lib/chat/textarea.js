import { chatApp, sendOnEnter } from './app.js';

const send = chatApp(() => {
  const ta = document.createElement('textarea');
  ta.rows = 6;
  ta.cols = 60;
  ta.setAttribute('aria-label', 'Message');
  document.getElementById('editor')?.append(ta);
  sendOnEnter(ta, () => send());
  return {
    composer: ta,
    getText: () => ta.value,
    clear: () => {
      ta.value = '';
    },
  };
});
