// The engine's contract (`DiskReader`, `AllocationRun`) lives in its own module so that other
// disk formats can implement it without the VMDK module; everyone reading VMDKs sees it too.
@_exported import DiskReading
