/** The agent's name for the fault layer's serialisation of changes (faults/target-changes.ts). */
export { createNodeChanges, type NodeChanges, targetKeys } from '../faults/target-changes.ts';
