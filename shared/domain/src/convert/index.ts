// Filled in by the convert module; see README in this folder.
export {};
