// What the console's pages find on `window` besides the DOM: Chart.js's UMD build (vendored,
// loaded by index.html before the modules) defines `window.Chart`.
interface Window {
  Chart: any;
}
