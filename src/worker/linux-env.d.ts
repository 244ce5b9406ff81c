// Vite's `?url` imports (the worker's tsconfig has no vite/client types): the asset's URL.
declare module '*?url' {
  const url: string;
  export default url;
}
