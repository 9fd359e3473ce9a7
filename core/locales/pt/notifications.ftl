# Thecal: as notificações que o telemóvel mostra (português europeu, traduzido do inglês). Títulos
# curtos; o texto diz o que fazer. O texto do reservatório vazio é uma mensagem de segurança.
reminder-plan-body = Faz parte do seu plano de recuperação. Abra a Thecal para ver o que levar e o que perguntar.
reminder-own-body = Abra a Thecal para o marcar como feito.
mri-check-title = Peça para verificarem a sua bomba depois da RM
mri-check-body = A sua RM terminou. Ligue para o seu centro para verificarem a bomba e depois registe-o na Thecal.
refill-book-title = Marque o enchimento da sua bomba
refill-book-body = O reservatório da sua bomba fica baixo dentro de cerca de duas semanas. Marque já com o seu centro a consulta de enchimento.
refill-due-title = Está na altura do enchimento da sua bomba
refill-due-body = O reservatório pode estar no nível baixo a partir de hoje. Confirme que a sua consulta de enchimento está marcada.
reservoir-empty-title = A sua bomba pode ficar vazia dentro de dias
reservoir-empty-body = Ligue hoje para o seu centro para um enchimento: quando o reservatório está vazio, o medicamento para e pode surgir uma síndrome de abstinência.
    .written = Thecal team, translated from English (machine-assisted), 2026-11-26
    .review = not reviewed
eos-title-battery = { $days ->
    [0] Substituição da bateria da bomba: a bateria pode parar hoje
    [one] Substituição da bateria da bomba: a bateria pode parar dentro de { $days } dia
   *[other] Substituição da bateria da bomba: a bateria pode parar dentro de { $days } dias
}
eos-title-pump = { $days ->
    [0] Substituição da bomba: a bateria pode parar hoje
    [one] Substituição da bomba: a bateria pode parar dentro de { $days } dia
   *[other] Substituição da bomba: a bateria pode parar dentro de { $days } dias
}
eos-body = Quando a bateria para, o medicamento também para. Confirme que o seu centro planeou a substituição.
eri-title-battery = Substituição da bateria da bomba: altura de a planear
eri-title-pump = Substituição da bomba: altura de a planear
eri-body = Prevê-se que a bateria da bomba tenha de ser substituída nos próximos meses. Fale com o seu centro na próxima consulta.
