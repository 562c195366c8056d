// What every command's flag parser shares: numbers in one notation, with
// their range in the message, and output paths checked before a run starts
// (a run of minutes must not end in an unwritable --junit).
#ifndef MLOCKCHECK_SUITE_CLI_ARGS_H_
#define MLOCKCHECK_SUITE_CLI_ARGS_H_

#include <cstdint>
#include <string>

namespace mlc {

// A count: decimal, or hexadecimal after "0x"; no sign, no octal (a leading
// zero is decimal: "010" is ten), nothing after the digits, at most UINT64_MAX.
bool ParseCount(const char* text, uint64_t* out);

// Parses FLAG's value as a count in [min, max]. Returns "" or the one-line
// error: "--steps needs a number from 1 to 4096, got '0'".
std::string ReadCount(const std::string& flag, const char* text, uint64_t min, uint64_t max, uint64_t* out);

// Seconds: a finite decimal number in (0, max], e.g. "2.5". "" or the error.
std::string ReadSeconds(const std::string& flag, const char* text, double max, double* out);

// A file FLAG will write at the end of the run: "" if it can be, else why
// not ("--junit: /x/y.xml: directory /x does not exist"). A value that looks
// like a flag ("--ktap") is refused: the user forgot the file name.
std::string OutputFileProblem(const std::string& flag, const std::string& path);

// A report directory to be: "" if it is absent (it is created when a
// divergence is reported, with its parents) or an empty directory, else why
// not (a file, or already holding a report that must not be overwritten).
std::string ReportDirProblem(const std::string& flag, const std::string& dir);

// --results-dir DIR: "" if DIR is absent and can be created (with its
// parents) or a directory without results.txt yet, else why not.
std::string ResultsDirProblem(const std::string& dir);

// Whether DIR holds a report (report.txt, sequence.txt or repro.c).
bool HoldsReport(const std::string& dir);

// Reads RapidCheck's configuration (RC_PARAMS) now, without the "Using
// configuration: ..." line RapidCheck prints on std::cerr when it does: the
// commands print their own header. "" or why RC_PARAMS is refused.
std::string LoadRapidCheckConfiguration();

}  // namespace mlc

#endif  // MLOCKCHECK_SUITE_CLI_ARGS_H_
