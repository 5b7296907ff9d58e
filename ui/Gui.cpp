#include "Gui.h"

#include <QApplication>
#include <QMainWindow>

namespace Loadstar::Ui {

int runGui(int &argc, char **argv, const QString &file)
{
    QApplication app(argc, argv);
    Q_UNUSED(file);
    QMainWindow window;
    window.show();
    return app.exec();
}

} // namespace Loadstar::Ui
