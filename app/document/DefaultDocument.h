#pragma once

#include "model/Topology.h"

namespace Loadstar {

// The reference infrastructure of DESIGN.md, shipped in resources/: a client,
// one load balancer (roundrobin, web-01 active, web-02 backup), two web
// servers, and a MariaDB primary replicating to a replica. It is what the app
// opens when started without a file.
Topology referenceDocument();

} // namespace Loadstar
