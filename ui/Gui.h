#pragma once

#include <QString>

namespace Loadstar::Ui {

// Creates the QApplication and the main window on `file` (the reference
// design when empty), runs the event loop and returns its exit code.
int runGui(int &argc, char **argv, const QString &file);

} // namespace Loadstar::Ui
