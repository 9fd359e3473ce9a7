# Thecal: las notificaciones que muestra el teléfono (español, traducido del inglés). Títulos
# cortos; el texto dice qué hacer. El texto de reservorio vacío es un mensaje de seguridad.
reminder-plan-body = Forma parte de su plan de recuperación. Abra Thecal para ver qué llevar y qué preguntar.
reminder-own-body = Abra Thecal para marcarlo como hecho.
mri-check-title = Haga revisar su bomba después de la RM
mri-check-body = Su RM ha terminado. Llame a su centro para que revisen la bomba y luego regístrelo en Thecal.
refill-book-title = Pida cita para rellenar su bomba
refill-book-body = El reservorio de su bomba estará bajo en unas dos semanas. Pida ya en su centro la cita para el rellenado.
refill-due-title = Toca rellenar su bomba
refill-due-body = El reservorio puede estar en su nivel bajo a partir de hoy. Asegúrese de tener cita para el rellenado.
reservoir-empty-title = Su bomba puede vaciarse en pocos días
reservoir-empty-body = Llame hoy a su centro para rellenarla: cuando el reservorio está vacío, el medicamento se detiene y puede aparecer un síndrome de abstinencia.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
eos-title-battery = { $days ->
    [0] Cambio de la batería de la bomba: la batería puede dejar de funcionar hoy
    [one] Cambio de la batería de la bomba: la batería puede dejar de funcionar en { $days } día
   *[other] Cambio de la batería de la bomba: la batería puede dejar de funcionar en { $days } días
}
eos-title-pump = { $days ->
    [0] Sustitución de la bomba: la batería puede dejar de funcionar hoy
    [one] Sustitución de la bomba: la batería puede dejar de funcionar en { $days } día
   *[other] Sustitución de la bomba: la batería puede dejar de funcionar en { $days } días
}
eos-body = Cuando la batería deja de funcionar, el medicamento también se detiene. Asegúrese de que su centro ha planificado la sustitución.
eri-title-battery = Cambio de la batería de la bomba: es hora de planificarlo
eri-title-pump = Sustitución de la bomba: es hora de planificarlo
eri-body = Se prevé que la batería de la bomba tenga que cambiarse en los próximos meses. Hable con su centro en su próxima visita.
