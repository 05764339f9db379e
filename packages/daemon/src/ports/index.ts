// Virtual port bookkeeping. Port numbers and ranges themselves come from @mesh/protocol.
export { PortAllocator } from './allocator.js';
