#pragma once

#include "Cli.h"

namespace Loadstar::Cli {

// `loadstar proxy …` and `loadstar run FILE`: the engine, headless.
QList<Verb> proxyVerbs();

} // namespace Loadstar::Cli
