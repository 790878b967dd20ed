// bin/codex-bridge.js for another build (bench --compare): BENCH_CLI_MAIN is that build's cli/main.js.
const { main } = await import(process.env.BENCH_CLI_MAIN);
await main(process.argv);
