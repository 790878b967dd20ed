// A process that does nothing but answer the bench's IPC: its event-loop delay, measured alongside a
// busy one, is what the machine itself adds (other processes holding the cores), not the work.
import { serveMemoryRequests } from './process-memory.mjs';

serveMemoryRequests(async () => {});
process.send({ type: 'ready', port: 0 });
