// Filled in by the xapi module; see README in this folder.
export {};
