// device-lab command line (automation.md §1). Commands are added by the CLI work.
const [command] = process.argv.slice(2);
process.stderr.write(`device-lab: unknown command ${command ?? '(none)'}\n`);
process.exit(2);
