#pragma once

#include <mutex>

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

class QCommandLineParser;
class QCoreApplication;
class QTextStream;

namespace Loadstar::Cli {

// Starts the GUI on `file` (empty: the default document) and returns the
// process exit code. It creates the QApplication itself, so headless verbs
// never need a display.
using GuiEntry = int (*)(int &argc, char **argv, const QString &file);

// Exit codes shared by every verb.
enum ExitCode { Success = 0, Failure = 1, UsageError = 2 };

// Creates the application a verb runs under. Verbs that draw (export) need a
// QGuiApplication or QApplication; app/ must not create one, so the layer that
// provides such a verb provides its factory too.
using ApplicationFactory = std::unique_ptr<QCoreApplication> (*)(int &argc, char **argv);

// A verb of the command line: its name, the arguments it takes and what it
// does. app/ has convert and validate; other layers add theirs through run().
struct Verb
{
    const char *name;
    const char *arguments; // for the usage line, e.g. "IN OUT"
    const char *summary;
    const char *description;
    int minArguments;
    int maxArguments;
    void (*addOptions)(QCommandLineParser &parser);
    int (*run)(const QCommandLineParser &parser, const QStringList &arguments);
    // Null: a QCoreApplication (no display, no GUI libraries initialised).
    ApplicationFactory makeApplication = nullptr;
};

// The `loadstar` command line: `loadstar [FILE]` starts the GUI; `loadstar
// VERB …` runs a headless verb (convert, validate, and `extraVerbs`, e.g.
// export from ui/). Usage errors print one line to stderr and return 2.
int run(int &argc, char **argv, GuiEntry gui, const QList<Verb> &extraVerbs = {});

// For verbs: stdout and stderr, and the usage error every verb prints
// ("loadstar VERB: message" and a pointer to --help; returns UsageError).
QTextStream &out();
QTextStream &err();
// Held by the threads that print while a verb runs (health transitions,
// alerts, failovers), so their lines never interleave.
std::mutex &outputMutex();
int usageError(const QString &command, const QString &message);

} // namespace Loadstar::Cli
