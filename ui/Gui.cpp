#include "Gui.h"

#include "Icons.h"
#include "MainWindow.h"

#include <QApplication>

#include <cstdio>
#include <cstring>

namespace Loadstar::Ui {

namespace {

// Qt aborts with a long message when it finds no display; say it plainly
// instead, and point at the verbs that need none.
bool hasDisplay(int argc, char **argv)
{
#if defined(Q_OS_UNIX) && !defined(Q_OS_MACOS)
    if (!qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") || !qEnvironmentVariableIsEmpty("DISPLAY")
        || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
        return true;
    }
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-platform") == 0 || std::strcmp(argv[i], "--platform") == 0)
            return true;
    }
    return false;
#else
    Q_UNUSED(argc);
    Q_UNUSED(argv);
    return true;
#endif
}

} // namespace

int runGui(int &argc, char **argv, const QString &file)
{
    if (!hasDisplay(argc, argv)) {
        std::fputs("loadstar: no display to open a window on (DISPLAY is not set). Headless verbs "
                   "such as 'loadstar validate FILE' need none; see 'loadstar --help'.\n",
                   stderr);
        return 1;
    }

    QApplication app(argc, argv);
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Loadstar"));
    QGuiApplication::setDesktopFileName(QStringLiteral(LOADSTAR_APP_ID));
    QApplication::setWindowIcon(Icons::applicationIcon());

    MainWindow window;
    window.show();
    window.start(file);
    return app.exec();
}

} // namespace Loadstar::Ui
