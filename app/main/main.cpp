#include "cli/Cli.h"
#include "ui/Gui.h"
#include "ui/export/ExportVerb.h"

// GUI by default; the verbs run headless. Most never create a QApplication;
// those that draw (export) get one on the offscreen platform, so none of them
// needs a display.
int main(int argc, char **argv)
{
    return Loadstar::Cli::run(argc, argv, &Loadstar::Ui::runGui, {Loadstar::Ui::exportVerb()});
}
