#pragma once

#include "model/Topology.h"

namespace Loadstar {

// The reference infrastructure of DESIGN.md, shipped in resources/: a client,
// one load balancer (roundrobin, web-01 active, web-02 backup), two web
// servers, and a MariaDB primary replicating to a replica. It is what the app
// opens when started without a file.
Topology referenceDocument();

// What File → New from Template offers.
struct DocumentTemplate
{
    QString id;          // "reference", "hardened"
    QString name;        // shown in the menu
    QString description; // one line, shown as the menu's tooltip
    Topology topology;
};
QList<DocumentTemplate> documentTemplates();

} // namespace Loadstar
