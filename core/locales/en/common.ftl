# Thecal: words shared by every part of the app (English, the source language). Numbers, dates and
# the notes shown beside a safety text that no clinician has reviewed in the reader's language.
language-name = English
# Written between the whole and the decimal part of a number (1.5 T).
decimal-separator = .
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
# A day of the month alone, as written before a month ("between 10 and 14 March").
# A label and its value ("Serial number: SIM-0001"), with the language's spacing.
label-value = { $label }: { $value }
date-day = { $day }
date-day-month = { $day } { $month }
date-day-month-year = { $day } { $month } { $year }
date-month-year = { $month } { $year }
# Shown under a safety text (a red flag, an alarm's advice, the card's MRI section) whose
# translation no clinician has reviewed yet: the English text is shown instead.
review-note-translation = Not yet reviewed in { $language }: shown in English.
# Shown under a safety text that no clinician has reviewed in any language yet.
review-note-unreviewed = Not yet reviewed by a clinician.
