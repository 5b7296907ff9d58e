#pragma once

#include "HaproxyConfig.h"

#include "model/Topology.h"
#include "model/Validator.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace Loadstar::Haproxy {

// One thing the import did with part of the file that is not simply drawn:
// a line kept with a load balancer, a section kept whole, a server renamed,
// a setting Loadstar draws differently.
struct ImportEntry
{
    enum class Kind {
        KeptLine,    // a directive kept verbatim with one or more load balancers
        KeptSection, // a whole section kept verbatim, not drawn
        Note,        // something drawn differently from how it was written
    };

    Kind kind = Kind::Note;
    int firstLine = 0; // 0: about the drawing as a whole
    int lastLine = 0;
    QString section; // "frontend fe_main"
    QString text;    // the directive or header as written
    QString outcome; // "kept with fe_main (frontend lines)"

    // "line 40: use_backend api if is_api — kept with fe_main (frontend lines)"
    QString toString() const;
};

// What the import did, for the person who asked for it: how much was drawn
// and everything that was kept rather than drawn, with its line numbers.
struct ImportReport
{
    int loadBalancers = 0;
    int servers = 0;
    int keptLines = 0; // lines of the file kept verbatim (directives and whole sections)
    QList<ImportEntry> entries;   // in the order of the file
    QList<Problem> problems;      // what validate() finds in the drawing

    // "Imported haproxy.cfg: 3 load balancers, 6 servers, 12 lines kept (listed below)"
    QString summary(const QString &fileName) const;
    // The entries, then the drawing's problems, one sentence each.
    QStringList lines() const;
};

struct ImportResult
{
    Topology topology;
    ImportReport report;
    QList<ConfigError> errors; // not empty: nothing was drawn

    bool ok() const { return errors.isEmpty(); }
};

// Draws a parsed haproxy.cfg: one load balancer per frontend (or listen)
// with a bind, linked to the servers of its default backend; what Loadstar
// does not model is kept with the load balancers, so an export writes it
// back, and listed in the report.
ImportResult importConfig(const ParsedConfig &config);
// Reads, parses and draws the file at `path`.
ImportResult importFile(const QString &path);

} // namespace Loadstar::Haproxy
