// mochawesome ships no usable types (NODE20-NOTES.md): only what the harness calls.
declare module 'mochawesome/addContext.js' {
  import type { Context } from 'mocha';

  function addContext(test: Context, context: string | { title: string; value: unknown }): void;
  export default addContext;
}

declare module 'mochawesome' {
  import type { reporters } from 'mocha';

  // The reporter class itself, handed to mocha so the bundle never requires it by name.
  const Mochawesome: typeof reporters.Base;
  export default Mochawesome;
}
