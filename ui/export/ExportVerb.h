#pragma once

#include "cli/Cli.h"

namespace Loadstar::Ui {

// `loadstar export FILE OUT.png|OUT.svg|OUT.pdf [--scale N] [--background
// white|transparent]`: draws a document as the canvas does, with no display.
// Lives in ui/ because it draws with the canvas's items; main() hands it to
// Cli::run().
Cli::Verb exportVerb();

// A QApplication that needs no display: the offscreen platform unless the
// user chose one (QT_QPA_PLATFORM, -platform). Exports then come out the same
// with or without a desktop session, and never stall on an unreachable X
// server.
std::unique_ptr<QCoreApplication> makeOffscreenApplication(int &argc, char **argv);

} // namespace Loadstar::Ui
