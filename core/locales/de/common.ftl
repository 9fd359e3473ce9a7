# Thecal: Wörter, die alle Teile der App gemeinsam nutzen (Deutsch, aus dem Englischen übersetzt). Zahlen,
# Daten und die Hinweise neben einem Sicherheitstext, den noch keine Fachperson in der Sprache des Lesers geprüft hat.
language-name = Deutsch
# Steht zwischen dem ganzen und dem dezimalen Teil einer Zahl (1,5 T).
decimal-separator = ,
month-1 = Januar
month-2 = Februar
month-3 = März
month-4 = April
month-5 = Mai
month-6 = Juni
month-7 = Juli
month-8 = August
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = Dezember
# Ein Tag des Monats allein, wie er vor einem Monat steht („zwischen 10. und 14. März“).
label-value = { $label }: { $value }
date-day = { $day }.
date-day-month = { $day }. { $month }
date-day-month-year = { $day }. { $month } { $year }
date-month-year = { $month } { $year }
# Steht unter einem Sicherheitstext (ein Warnzeichen, der Rat zu einem Alarm, der MRT-Abschnitt des
# Ausweises), dessen Übersetzung noch keine Fachperson geprüft hat: Der englische Text wird gezeigt.
review-note-translation = Noch nicht in Ihrer Sprache ({ $language }) geprüft: auf Englisch angezeigt.
# Steht unter einem Sicherheitstext, den noch keine Fachperson in irgendeiner Sprache geprüft hat.
review-note-unreviewed = Noch nicht von medizinischem Fachpersonal geprüft.
