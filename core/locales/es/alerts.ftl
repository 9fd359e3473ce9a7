# Thecal: lo que se dice a los cuidadores (español, traducido del inglés): títulos cortos; el texto
# dice qué ocurre y qué hacer. Qué hacer ante una alarma de la bomba o una batería agotada es un
# mensaje de seguridad (.written, .review: docs/localisation.md).
pump-alarm-title = Alarma de la bomba
alert-alarm-reservoir_low = La bomba indica que su reservorio está bajo: pronto habrá que rellenarlo.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-reservoir_empty = La bomba indica que su reservorio está vacío: la infusión puede detenerse. Llame al centro ahora.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eri = La bomba indica que hay que sustituir su batería: el centro debería planificarlo.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-battery_eos = La batería de la bomba ha llegado a su fin: puede que la infusión se haya detenido. Llame al centro ahora.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-catheter_occlusion = La bomba indica una posible obstrucción del catéter. Llame al centro ahora.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-motor_stall = El motor de la bomba se ha detenido: puede que la infusión se haya detenido. Llame al centro ahora.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-clock_error = El reloj de la bomba no está en hora: los horarios de las dosis pueden estar desajustados. Llame al centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-pump_fault = La bomba ha detectado un fallo interno. Llame al centro ahora.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
alert-alarm-unrecognised = La bomba ha emitido una alarma que esta aplicación no conoce. Llame al centro.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
refill-due-title = Rellenado próximo
refill-due-body = El reservorio de la bomba necesitará un rellenado pronto.
refill-due-body-when = El reservorio de la bomba estará bajo { $when }. Compruebe que hay cita para el rellenado.
refill-appointment-title = Cita de rellenado hoy
refill-appointment-body = El rellenado de la bomba está citado hoy a las { $time }.
refill-appointment-body-place = El rellenado de la bomba está citado hoy a las { $time } ({ $place }).
reservoir-low-title = Reservorio bajo
reservoir-low-body = El reservorio de la bomba está bajo. Hace falta rellenarlo ahora.
battery-eos-title = Batería de la bomba agotada
battery-eos-body = La batería de la bomba ha llegado a su fin: puede que la bomba se haya detenido. Llame al centro ahora.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
battery-eri-title = Hay que sustituir la bomba
battery-eri-body = La bomba indica que hay que sustituir su batería. El centro debería planificar la sustitución.
battery-forecast-title = Se acerca la sustitución de la bomba
battery-forecast-body = La batería de la bomba tendrá que sustituirse en los próximos meses.
battery-forecast-body-when = Se prevé que la batería de la bomba tenga que sustituirse { $when }.
link-lost-title = Sin noticias de la bomba
link-lost-body = { $minutes ->
    [one] El teléfono del paciente lleva más de { $minutes } minuto sin conectar con la bomba.
   *[other] El teléfono del paciente lleva más de { $minutes } minutos sin conectar con la bomba.
}
reservoir-below-title = El depósito se está vaciando
reservoir-below-body = El depósito de la bomba está al { $percent } % o menos. Compruebe que la recarga está programada.
reservoir-below-ml-body = El depósito de la bomba contiene { $ml } mL o menos. Compruebe que la recarga está programada.
refill-check-title = Recarga a comentar con el centro
refill-check-body = En la última recarga, la cantidad que quedaba en la bomba no era la esperada. El centro debería revisarlo.
battery-eos-soon-title = Sustitución de la bomba urgente
battery-eos-soon-body = { $days ->
    [one] Se prevé que la pila de la bomba llegue a su fin en unos { $days } día: la sustitución debe hacerse antes. Confirme la fecha con el centro.
   *[other] Se prevé que la pila de la bomba llegue a su fin en unos { $days } días: la sustitución debe hacerse antes. Confirme la fecha con el centro.
}
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
# Los avisos del relé sobre el teléfono del paciente (protocolo §9): hechos, sin consejos.
phone-silent-title = Sin noticias del teléfono de { $patient }
phone-silent-body = El teléfono de { $patient } no se ha comunicado desde { $since }. Puede estar apagado, sin batería o sin red.
phone-back-title = El teléfono de { $patient } ha vuelto
phone-back-body = El teléfono de { $patient } vuelve a comunicarse (última noticia: { $since }).
