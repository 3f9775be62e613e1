// Filled in by the edx module; see README in this folder.
export {};
