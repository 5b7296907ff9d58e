#pragma once

#include "analysis/DesignAnalysis.h"

#include <QUndoCommand>

#include <memory>

namespace Loadstar {

class Document;

// A finding's quick fix as one undoable step: "Add a second load balancer",
// "Add a standby replica", "Put a firewall in front", "Turn on TLS", "Add a
// health check". Its children are the ordinary edit commands (add items,
// set property), so undo takes back exactly what the fix did.
class QuickFixCommand : public QUndoCommand
{
public:
    // The fix for `finding` on `document`'s current drawing; null when the
    // finding offers none or no longer applies (its node is gone).
    static std::unique_ptr<QuickFixCommand> create(Document *document, const Finding &finding);

private:
    explicit QuickFixCommand(const QString &text);
};

} // namespace Loadstar
