# Thecal: palabras comunes a todas las partes de la aplicación (español, traducido del inglés). Números,
# fechas y las notas que se muestran junto a un texto de seguridad que ningún clínico ha revisado en el idioma del lector.
language-name = Español
# Se escribe entre la parte entera y la parte decimal de un número (1,5 T).
decimal-separator = ,
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre
# Un día del mes solo, como se escribe delante de un mes ("entre 10 y 14 de marzo").
label-value = { $label }: { $value }
date-day = { $day }
date-day-month = { $day } de { $month }
date-day-month-year = { $day } de { $month } de { $year }
date-month-year = { $month } de { $year }
# Se muestra bajo un texto de seguridad (un signo de alarma, el consejo de una alarma, la sección de RM
# de la tarjeta) cuya traducción aún no ha revisado ningún clínico: se muestra el texto en inglés.
review-note-translation = Aún no revisado en su idioma ({ $language }): se muestra en inglés.
# Se muestra bajo un texto de seguridad que ningún clínico ha revisado todavía en ningún idioma.
review-note-unreviewed = Aún no revisado por un profesional sanitario.
