"""Flask-Admin views, thin: each translates a request into a service call and back."""


def register_views(admin):
    from views.todo import register as todo
    from views.cases import register as cases
    from views.registration import register as registration
    from views.moves import register as moves
    from views.parties import register as parties
    from views.reception import register as reception
    from views.packages import register as packages
    from views.hearings import register as hearings
    from views.archive import register as archive
    from views.reports import register as reports
    from views.org import register as org
    from views.calendar import register as calendar
    from views.trace import register as trace
    from views.backup import register as backup
    from views.retention import register as retention
    from views.screening import register as screening
    from views.documents import register as documents
    from views.assessment import register_report as assessment, register_scheme as assessment_scheme

    for register in (todo, cases, registration, moves, parties, reception, packages, hearings, archive, reports,
                     assessment, screening, org, calendar, trace, backup, retention, documents, assessment_scheme):
        register(admin)
