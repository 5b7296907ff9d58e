#pragma once

#include <QString>

namespace Loadstar::Cli {

// Starts the GUI on `file` (empty: the default document) and returns the
// process exit code. It creates the QApplication itself, so headless verbs
// never need a display.
using GuiEntry = int (*)(int &argc, char **argv, const QString &file);

// Exit codes shared by every verb.
enum ExitCode { Success = 0, Failure = 1, UsageError = 2 };

// The `loadstar` command line: `loadstar [FILE]` starts the GUI; `loadstar
// VERB …` runs a headless verb (convert, validate, …). Usage errors print one
// line to stderr and return 2.
int run(int &argc, char **argv, GuiEntry gui);

} // namespace Loadstar::Cli
