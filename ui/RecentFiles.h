#pragma once

#include <QObject>
#include <QStringList>

class QMenu;

namespace Loadstar::Ui {

// The documents opened or saved last, newest first, kept in QSettings so the
// list survives restarts and is shared by every window.
class RecentFiles final : public QObject
{
    Q_OBJECT

public:
    static constexpr int MaximumCount = 8;

    explicit RecentFiles(QObject *parent = nullptr);

    QStringList files() const { return m_files; }
    void add(const QString &path);
    void remove(const QString &path);
    void clear();

    // Fills `menu` with one entry per file ("1 reference.loadstar", the full
    // path as its tip) and "Clear Menu"; it stays current as the list changes.
    void attachMenu(QMenu *menu);

signals:
    void changed();
    void fileTriggered(const QString &path);

private:
    void store();
    void fillMenu(QMenu *menu);

    QStringList m_files;
};

} // namespace Loadstar::Ui
