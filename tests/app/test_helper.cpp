// Plays the parts of a crashing Loadstar for the persistence tests: it dies
// for real (an abort or _Exit) in the middle of the work it was given, so the
// tests can check what a real crash leaves on disk.
//
//   loadstar_test_helper crash-during-save OUT ROWS
//       starts saving a large document over OUT and dies after ROWS rows.
//   loadstar_test_helper autosave-then-abort DIR ORIGINAL
//       edits the reference document (saved as ORIGINAL), lets the
//       autosaver write its recovery copy into DIR, then aborts.
#include "TestTopologies.h"

#include "document/Autosaver.h"
#include "document/Commands.h"
#include "document/DefaultDocument.h"
#include "document/Document.h"
#include "document/DocumentFile.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstdlib>

using namespace Loadstar;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() == 4 && args.at(1) == QLatin1String("crash-during-save")) {
        const int rows = args.at(3).toInt();
        DocumentFile::SaveOptions options;
        options.progress = [rows](int done, int) {
            if (done >= rows)
                std::_Exit(3);
        };
        QString error;
        DocumentFile::write(Test::generated(20, 50), args.at(2), &error, options);
        QTextStream(stderr) << "save finished without crashing: " << error << "\n";
        return 1;
    }
    if (args.size() == 4 && args.at(1) == QLatin1String("autosave-then-abort")) {
        Document document(referenceDocument(), args.at(3));
        Autosaver autosaver(&document, args.at(2), 0);
        QObject::connect(&autosaver, &Autosaver::saved, [] { std::abort(); });
        QObject::connect(&autosaver, &Autosaver::failed, [](const QString &message) {
            QTextStream(stderr) << message << "\n";
            std::exit(1);
        });
        const NodeId web = document.topology().nodeByName(QStringLiteral("web-01"))->id;
        document.undoStack()->push(new RenameNodeCommand(&document, web, QStringLiteral("web-recovered")));
        return app.exec();
    }
    QTextStream(stderr) << "usage: loadstar_test_helper crash-during-save OUT ROWS | autosave-then-abort DIR ORIGINAL\n";
    return 2;
}
