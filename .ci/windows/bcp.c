/* Test scaffolding only, never shipped: Debian's wine 8.0 lacks bcryptprimitives.dll, whose
 * ProcessPrng Rust's standard library (1.78 on) imports for random numbers. This stand-in forwards
 * to RtlGenRandom so the tests' .exe files start under wine. Real Windows 10/11 has the DLL. */
#include <windows.h>
#include <ntsecapi.h>
BOOL WINAPI ProcessPrng(PBYTE pbData, SIZE_T cbData) { return RtlGenRandom(pbData, (ULONG)cbData); }
