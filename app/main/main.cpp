#include "cli/Cli.h"
#include "ui/Gui.h"

// GUI by default; the headless verbs never create a QApplication, so they run
// with no display.
int main(int argc, char **argv)
{
    return Loadstar::Cli::run(argc, argv, &Loadstar::Ui::runGui);
}
