export function App() {
  return (
    <main>
      <h1>Device Lab</h1>
    </main>
  );
}
