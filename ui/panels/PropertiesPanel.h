#pragma once

#include "model/PropertySchema.h"
#include "model/Topology.h"
#include "ui/UserPrompts.h"

#include <QPlainTextEdit>
#include <QPointer>
#include <QSpinBox>
#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QScrollArea;
class QStackedWidget;
class QTimer;

namespace Loadstar {
class Document;
}

namespace Loadstar::Ui {

namespace Internal {

// A spin box that lets any text be typed, so the panel can say what is wrong
// with it (PropertySchema::convert) instead of swallowing the keystroke. Text
// that does not convert is never taken as a value: leaving the field puts the
// last value back. Empty text with a "(mixed)" placeholder stands for values
// that differ across a multi-selection.
class NumberBox final : public QSpinBox
{
    Q_OBJECT

public:
    NumberBox(const PropertySpec &spec, QWidget *parent = nullptr);

    QLineEdit *editor() const { return lineEdit(); }
    void showMixed();

protected:
    QValidator::State validate(QString &text, int &pos) const override;
    void fixup(QString &text) const override;
    int valueFromText(const QString &text) const override;
    QString textFromValue(int value) const override;

private:
    PropertySpec m_spec;
};

// Several lines of text (an imported haproxy.cfg's kept lines): monospace,
// a few lines high. Leaving it or Ctrl+Enter ends the edit, as Return does
// in a line edit, so what was typed becomes one undo step.
class LinesEdit final : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit LinesEdit(QWidget *parent = nullptr);

signals:
    void editingFinished();

protected:
    void focusOutEvent(QFocusEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
};

} // namespace Internal

// The Inspector: the properties of the selected nodes, editable. One node
// shows its name and every property of its kind, grouped as the schema
// groups them; several nodes show the properties they share, "(mixed)" where
// their values differ, and an edit applies to all of them as one undo step.
// Input is checked as it is typed with PropertySchema::convert; what does not
// convert is explained next to the field and never reaches the document.
// With nothing selected it summarises the document and lists its problems.
// Editors are built when the selection changes and only refreshed when the
// document changes, so typing keeps focus and cursor.
class PropertiesPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit PropertiesPanel(QWidget *parent = nullptr);
    ~PropertiesPanel() override;

    // The document edited; may be null. The panel does not own it.
    void setDocument(Document *document);
    Document *document() const { return m_document; }
    // Asks where a generated certificate goes and reports what failed;
    // null: dialogs of the panel's own.
    void setPrompts(UserPrompts *prompts) { m_prompts = prompts; }

    // The nodes shown, in selection order; unknown ids are ignored.
    void setSelection(const QList<NodeId> &nodes);
    QList<NodeId> selection() const { return m_selection; }

    // The editor of `key` ("name" for the name), null when not shown: a
    // QSpinBox, QCheckBox, QComboBox or QLineEdit.
    QWidget *editor(const QString &key) const;
    // The message shown under the editor of `key`, empty when none.
    QString message(const QString &key) const;
    // The document summary's problem lines (nothing selected).
    QStringList problemTexts() const;
    QString summaryText() const;

signals:
    // The user activated a problem in the summary: these nodes are concerned.
    void nodesActivated(const QList<Loadstar::NodeId> &nodes);

protected:
    void changeEvent(QEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Field
    {
        PropertySpec spec;
        QWidget *editor = nullptr;
        QLineEdit *line = nullptr; // the text being typed, for text and number editors
        QLabel *message = nullptr;
        bool mixed = false;
        bool dirty = false; // typed since the value was last shown or committed
        QString liveError;  // what is wrong with the typed text, empty when it converts
    };

    QList<const Node *> selectedNodes() const;
    QList<PropertySpec> sharedSpecs(const QList<const Node *> &nodes) const;

    void scheduleUpdate();
    void updateNow();
    void rebuild();
    void refreshValues();
    void updateSummary();

    void buildHeader(QGridLayout *grid, int &row, const QList<const Node *> &nodes);
    void buildNameRow(QGridLayout *grid, int &row, const Node &node);
    void buildField(QGridLayout *grid, int &row, const PropertySpec &spec);
    // Makes field.editor; returns what follows it on its row (a unit, a file
    // button), or null.
    QWidget *createEditor(Field &field);
    // "Generate self-signed certificate…" for a load balancer's TLS.
    void buildCertificateRow(QGridLayout *grid, int &row);
    void generateCertificate();

    void showValue(Field &field);
    void typed(Field &field, const QString &text);
    void finished(Field &field);
    void commit(Field &field, const QVariant &raw);
    void setMessage(QLabel *label, const QString &text);
    Field *fieldFor(const QObject *editor);

    QString nameError(const QString &name) const;
    void nameTyped(const QString &text);
    void nameFinished();

    QPointer<Document> m_document;
    QList<NodeId> m_selection;
    UserPrompts *m_prompts = nullptr;
    DialogPrompts m_dialogs;

    QStackedWidget *m_pages;
    QWidget *m_summaryPage;
    QLabel *m_summaryTitle;
    QLabel *m_summaryCounts;
    QLabel *m_problemsHeading;
    QListWidget *m_problems;
    QScrollArea *m_scroll;
    QWidget *m_form = nullptr;

    QLineEdit *m_nameEdit = nullptr;
    QLabel *m_nameMessage = nullptr;
    bool m_nameDirty = false;
    QString m_nameLiveError;
    std::vector<Field> m_fields;

    QTimer *m_updateTimer;
    bool m_rebuildPending = false;
};

} // namespace Loadstar::Ui
