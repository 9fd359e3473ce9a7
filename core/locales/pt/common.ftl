# Thecal: palavras comuns a todas as partes da aplicação (português europeu, traduzido do inglês). Números,
# datas e as notas mostradas junto a um texto de segurança que nenhum clínico reviu ainda na língua do leitor.
language-name = Português
# Escrito entre a parte inteira e a parte decimal de um número (1,5 T).
decimal-separator = ,
month-1 = janeiro
month-2 = fevereiro
month-3 = março
month-4 = abril
month-5 = maio
month-6 = junho
month-7 = julho
month-8 = agosto
month-9 = setembro
month-10 = outubro
month-11 = novembro
month-12 = dezembro
# Um dia do mês sozinho, como se escreve antes de um mês ("entre 10 e 14 de março").
label-value = { $label }: { $value }
date-day = { $day }
date-day-month = { $day } de { $month }
date-day-month-year = { $day } de { $month } de { $year }
date-month-year = { $month } de { $year }
# Mostrada sob um texto de segurança (um sinal de alarme, o conselho de um alarme, a secção de RM do
# cartão) cuja tradução nenhum clínico reviu ainda: é mostrado o texto em inglês.
review-note-translation = Ainda não revisto na sua língua ({ $language }): mostrado em inglês.
# Mostrada sob um texto de segurança que nenhum clínico reviu ainda, em nenhuma língua.
review-note-unreviewed = Ainda não revisto por um profissional de saúde.
