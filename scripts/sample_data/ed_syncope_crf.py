"""Build assets/data/ed_syncope_crf: invented emergency-department notes on transient loss of consciousness.

Every note and every value was written for the project (CC BY 4.0); patients, places and events are invented.
A field left out of a record below is not mentioned in its note: presence items get "non_menzionato", values
null.

    .venv/bin/python scripts/sample_data/ed_syncope_crf.py
"""

from __future__ import annotations

from pathlib import Path

from medui.backend.data.common import write_jsonl

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "assets" / "data" / "ed_syncope_crf"
ORDER = (
    "eta",
    "perdita_coscienza_transitoria",
    "prodromi",
    "palpitazioni",
    "dolore_toracico",
    "sincope_da_sforzo",
    "trauma_cranico",
    "morsus_linguae",
    "incontinenza_sfinterica",
    "recupero_spontaneo",
    "storia_cardiopatia",
    "durata_minuti",
    "pressione_sistolica",
    "ecg_alterato",
)
VALUES = ("eta", "durata_minuti", "pressione_sistolica")
P, A = "presente", "assente"


def note(text: str, **fields) -> dict:
    unknown = set(fields) - set(ORDER)
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    filled = {name: fields.get(name, None if name in VALUES else "non_menzionato") for name in ORDER}
    return {"text": " ".join(text.split()), "fields": filled}


TRAIN = [
    note(
        """Donna di 23 anni, giunge in PS accompagnata dalla madre per episodio di perdita di coscienza avvenuto
    stamattina durante un prelievo ematico eseguito in piedi. Riferisce prodromi con nausea, sudorazione e
    offuscamento visivo. Caduta a terra senza trauma cranico. Recupero spontaneo dopo circa 1 minuto, senza
    confusione successiva. Nega palpitazioni e dolore toracico. Non morsus linguae, non incontinenza. Anamnesi
    negativa per cardiopatie. PA 110/70 mmHg, FC 68 bpm, SpO2 99% in aa. ECG: ritmo sinusale, nella norma.
    Conclusione: sincope vasovagale; dimessa con indicazioni comportamentali.""",
        eta=23,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        palpitazioni=A,
        dolore_toracico=A,
        trauma_cranico=A,
        morsus_linguae=A,
        incontinenza_sfinterica=A,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        durata_minuti=1,
        pressione_sistolica=110,
        ecg_alterato=A,
    ),
    note(
        """Uomo di 79 anni, cardiopatia ischemica con pregresso by-pass aorto-coronarico. Riferisce improvvisa
    perdita di coscienza a riposo, mentre era seduto a tavola, senza alcun prodromo, con caduta dalla sedia e
    trauma cranico in regione frontale. Ripresa spontanea in pochi secondi. Nega cardiopalmo e dolore toracico.
    PA 150/80 mmHg, FC 38 bpm. ECG: BAV completo con ritmo di scappamento giunzionale. TC encefalo negativa
    per lesioni emorragiche. Contattato il cardiologo per posizionamento di PM temporaneo.""",
        eta=79,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        palpitazioni=A,
        dolore_toracico=A,
        sincope_da_sforzo=A,
        trauma_cranico=P,
        recupero_spontaneo=P,
        storia_cardiopatia=P,
        pressione_sistolica=150,
        ecg_alterato=P,
    ),
    note(
        """Ragazzo di 17 anni, durante una partita di basket improvvisa perdita di coscienza preceduta da
    cardiopalmo, senza altri prodromi. Recupero spontaneo dopo circa 2 minuti. Non trauma cranico. Nega dolore
    toracico. Familiarità per morte improvvisa (zio paterno deceduto a 35 anni). PA 115/70 mmHg, FC 75 bpm.
    ECG: segni di ipertrofia ventricolare sinistra con onde T negative in sede laterale. Ecocardiogramma:
    ispessimento del setto interventricolare di 22 mm. Ricoverato in Cardiologia; sospensione dell'attività
    sportiva.""",
        eta=17,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        palpitazioni=P,
        dolore_toracico=A,
        sincope_da_sforzo=P,
        trauma_cranico=A,
        recupero_spontaneo=P,
        durata_minuti=2,
        pressione_sistolica=115,
        ecg_alterato=P,
    ),
    note(
        """Donna di 68 anni, ipertesa in terapia con ramipril, amlodipina e idroclorotiazide, riferisce episodio
    sincopale stanotte all'alzata dal letto per andare in bagno. Prodromi: senso di testa vuota e visione
    offuscata. Nessun trauma cranico. Recupero spontaneo e completo. Nega palpitazioni e dolore toracico.
    Non cardiopatie note. PA in clinostatismo 125/75 mmHg, in ortostatismo dopo 3 minuti 95/60 mmHg, FC 78 bpm.
    ECG nella norma. Ipotensione ortostatica da farmaci: ridotta la terapia antipertensiva.""",
        eta=68,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        palpitazioni=A,
        dolore_toracico=A,
        trauma_cranico=A,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        pressione_sistolica=125,
        ecg_alterato=A,
    ),
    note(
        """Uomo di 34 anni, portato dal 118 per episodio di perdita di coscienza con scosse tonico-cloniche
    generalizzate riferite dalla moglie, della durata di circa 3 minuti, con morsus linguae laterale e
    incontinenza urinaria. Non prodromi riferiti. Ripresa spontanea della coscienza, seguita da stato
    confusionale di circa 20 minuti. Trauma cranico con ferita lacero-contusa al sopracciglio sinistro.
    PA 140/90 mmHg, FC 92 bpm. ECG: ritmo sinusale, nella norma. Glicemia 98 mg/dl. Richiesta TC encefalo e
    consulenza neurologica per primo episodio critico.""",
        eta=34,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        trauma_cranico=P,
        morsus_linguae=P,
        incontinenza_sfinterica=P,
        recupero_spontaneo=P,
        durata_minuti=3,
        pressione_sistolica=140,
        ecg_alterato=A,
    ),
    note(
        """Donna di 81 anni, stenosi aortica severa nota, in attesa di TAVI. Riferisce episodio di perdita di
    coscienza mentre saliva le scale di casa, preceduto da dolore toracico oppressivo. Trauma cranico
    occipitale con ematoma. Ripresa spontanea dopo circa 1 minuto. PA 105/60 mmHg, FC 70 bpm. ECG: ipertrofia
    ventricolare sinistra con sottoslivellamento ST laterale da sovraccarico. TC encefalo negativa. Troponina
    nei limiti. Ricoverata in Cardiologia per anticipare la procedura.""",
        eta=81,
        perdita_coscienza_transitoria=P,
        dolore_toracico=P,
        sincope_da_sforzo=P,
        trauma_cranico=P,
        recupero_spontaneo=P,
        storia_cardiopatia=P,
        durata_minuti=1,
        pressione_sistolica=105,
        ecg_alterato=P,
    ),
    note(
        """Uomo di 72 anni, diabetico in terapia insulinica basal-bolus, trovato dalla moglie non responsivo sul
    divano, sudato. Il 118 rileva glicemia capillare 32 mg/dl; dopo glucosio 33% ev pronta ripresa della
    coscienza. Non trauma cranico. Non incontinenza. Riferisce di aver saltato la cena. All'arrivo in PS vigile,
    orientato, GCS 15. PA 160/90 mmHg, FC 84 bpm. ECG: ritmo sinusale, nella norma. Diagnosi: ipoglicemia da
    insulina; osservazione breve con controlli glicemici seriati.""",
        eta=72,
        perdita_coscienza_transitoria=P,
        trauma_cranico=A,
        incontinenza_sfinterica=A,
        recupero_spontaneo=A,
        pressione_sistolica=160,
        ecg_alterato=A,
    ),
    note(
        """Donna di 45 anni, caduta accidentale dopo aver inciampato sul marciapiede, con trauma al ginocchio
    destro e trauma cranico minore. Nega perdita di coscienza, ricorda perfettamente la dinamica. Nega
    prodromi, palpitazioni e dolore toracico. GCS 15, non deficit neurologici focali, parametri vitali nella
    norma. Non eseguito ECG. Rx ginocchio: negativo per fratture. Dimessa con ghiaccio locale e analgesico al bisogno,
    indicazioni per trauma cranico minore.""",
        eta=45,
        perdita_coscienza_transitoria=A,
        prodromi=A,
        palpitazioni=A,
        dolore_toracico=A,
        trauma_cranico=P,
    ),
    note(
        """Uomo di 58 anni, sincope durante la minzione notturna, dopo abbondante assunzione di alcolici a cena.
    Prodromi: nausea e sudorazione. Trauma cranico contro il lavandino con ferita del cuoio capelluto. Recupero
    spontaneo in circa 1 minuto. Nega palpitazioni. Non cardiopatie. PA 120/70 mmHg, FC 64 bpm. ECG: ritmo
    sinusale, PR e QTc nella norma. Sutura della ferita, TC encefalo negativa. Sincope situazionale
    (minzionale).""",
        eta=58,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        palpitazioni=A,
        trauma_cranico=P,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        durata_minuti=1,
        pressione_sistolica=120,
        ecg_alterato=A,
    ),
    note(
        """Donna di 76 anni, FA permanente in terapia con digossina e bisoprololo, scompenso cardiaco cronico.
    Riferisce ripetuti episodi di "mancamento" negli ultimi giorni, l'ultimo stamattina con perdita di coscienza
    di pochi secondi, senza prodromi, con ripresa spontanea. Nega dolore toracico. PA 100/60 mmHg, FC 35 bpm. ECG: fibrillazione
    atriale a bassa risposta ventricolare con pause fino a 4 secondi. Digossinemia 3,1 ng/ml. Sospesi digossina
    e betabloccante, monitoraggio telemetrico.""",
        eta=76,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        dolore_toracico=A,
        recupero_spontaneo=P,
        storia_cardiopatia=P,
        pressione_sistolica=100,
        ecg_alterato=P,
    ),
    note(
        """Uomo di 28 anni, sincope mentre era in piedi in coda al supermercato, in una giornata di caldo intenso.
    Prodromi: calore, sudorazione e nausea. Ripresa spontanea immediata. No trauma cranico. Nega morsus e
    incontinenza. Non palpitazioni. Anamnesi patologica remota muta. PA 118/72 mmHg, FC 60 bpm. ECG: ritmo
    sinusale, nella norma. Esami ematochimici nei limiti. Dimesso con diagnosi di sincope riflessa e consigli
    sull'idratazione.""",
        eta=28,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        palpitazioni=A,
        trauma_cranico=A,
        morsus_linguae=A,
        incontinenza_sfinterica=A,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        pressione_sistolica=118,
        ecg_alterato=A,
    ),
    note(
        """Donna di 66 anni con cardiopatia ischemica post-infartuale (FE 30%), non portatrice di ICD. Riferisce
    cardiopalmo improvviso seguito da perdita di coscienza durata circa 1 minuto, a riposo mentre era seduta sul
    divano, con ripresa spontanea. Nessun trauma. All'arrivo PA 95/60 mmHg, FC 160 bpm. ECG: tachicardia a QRS largo, compatibile con
    tachicardia ventricolare. Eseguita cardioversione elettrica sincronizzata con ripristino del ritmo
    sinusale. Ricovero in UTIC, indicazione a impianto di ICD.""",
        eta=66,
        perdita_coscienza_transitoria=P,
        palpitazioni=P,
        sincope_da_sforzo=A,
        trauma_cranico=A,
        recupero_spontaneo=P,
        storia_cardiopatia=P,
        durata_minuti=1,
        pressione_sistolica=95,
        ecg_alterato=P,
    ),
    note(
        """Uomo di 85 anni, riferisce due episodi di perdita di coscienza improvvisa mentre si radeva, ruotando il
    capo, senza prodromi. Recupero spontaneo in pochi secondi. Trauma cranico minore con ematoma frontale.
    Anamnesi: ipertensione arteriosa, BPCO; nega cardiopatie. PA 145/85 mmHg, FC 72 bpm. ECG: ritmo sinusale,
    blocco di branca destra completo. Massaggio del seno carotideo destro: pausa asistolica di 5 secondi con
    riproduzione dei sintomi. Sospetta ipersensibilità seno-carotidea.""",
        eta=85,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        trauma_cranico=P,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        pressione_sistolica=145,
        ecg_alterato=P,
    ),
    note(
        """Donna di 52 anni, riferisce sensazione di "testa leggera" e offuscamento visivo dopo ortostatismo
    prolungato in chiesa, senza perdita di coscienza (presincope). Si è seduta e i sintomi sono regrediti in
    pochi minuti. Nega palpitazioni e dolore toracico. Non traumi. Non cardiopatie note. PA 105/65 mmHg,
    FC 80 bpm. ECG nella norma. Test ortostatico negativo. Dimessa con consigli su idratazione e manovre di
    contropressione.""",
        eta=52,
        perdita_coscienza_transitoria=A,
        prodromi=P,
        palpitazioni=A,
        dolore_toracico=A,
        trauma_cranico=A,
        storia_cardiopatia=A,
        pressione_sistolica=105,
        ecg_alterato=A,
    ),
    note(
        """Uomo di 61 anni, condotto in PS per sincope preceduta da intenso dolore toracico trafittivo irradiato
    al dorso. Ipertensione arteriosa mal controllata, forte fumatore. All'arrivo PA 85/50 mmHg al braccio destro
    e 130/80 mmHg al sinistro, FC 110 bpm. Polsi femorali asimmetrici. ECG: ritmo sinusale, non alterazioni
    del tratto ST. Angio-TC: dissezione aortica tipo A. Contattato il cardiochirurgo per intervento in
    urgenza.""",
        eta=61,
        perdita_coscienza_transitoria=P,
        dolore_toracico=P,
        pressione_sistolica=85,
        ecg_alterato=A,
    ),
    note(
        """Donna di 19 anni, sincope in bagno subito dopo essersi alzata; ciclo mestruale abbondante, digiuno da
    ieri. Prodromi: nausea, sudorazione, acufeni. Durata circa 30 secondi riferita dalla coinquilina. Nessun
    morsus linguae, nessuna incontinenza. Ripresa spontanea. Trauma cranico assente. PA 95/60 mmHg, FC 102 bpm.
    Hb 9,1 g/dl. ECG: ritmo sinusale, PR e QT nella norma. Reidratazione ev e dimissione con terapia marziale
    e controllo ginecologico.""",
        eta=19,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        trauma_cranico=A,
        morsus_linguae=A,
        incontinenza_sfinterica=A,
        recupero_spontaneo=P,
        pressione_sistolica=95,
        ecg_alterato=A,
    ),
    note(
        """Uomo di 74 anni, portatore di PM bicamerale per malattia del nodo del seno, giunge per episodio di
    perdita di coscienza durante una passeggiata in salita, durata riferita dalla moglie circa 5 minuti. Nega
    dolore toracico e cardiopalmo. Non trauma cranico. PA 130/70 mmHg, FC 70 bpm. Controllo del PM:
    normofunzionante, nessun evento aritmico registrato. Soffio sistolico 3/6 al focolaio aortico: richiesto
    ecocardiogramma urgente.""",
        eta=74,
        perdita_coscienza_transitoria=P,
        palpitazioni=A,
        dolore_toracico=A,
        sincope_da_sforzo=P,
        trauma_cranico=A,
        storia_cardiopatia=P,
        durata_minuti=5,
        pressione_sistolica=130,
    ),
    note(
        """Donna di 88 anni, vive sola, trovata a terra in cucina dalla badante; non ricorda l'accaduto, nessun
    testimone. Ematoma temporale sinistro da trauma cranico. Anamnesi: demenza lieve, ipertensione, FA in
    terapia con apixaban. PA 170/90 mmHg, FC 88 bpm. ECG: fibrillazione atriale a media risposta ventricolare.
    TC encefalo: negativa per emorragie. Esami: CPK 1450 U/L per permanenza a terra. Ricovero in Medicina per
    accertamenti.""",
        eta=88,
        trauma_cranico=P,
        storia_cardiopatia=P,
        pressione_sistolica=170,
        ecg_alterato=P,
    ),
]

TEST = [
    note(
        """Uomo di 56 anni, fumatore, BPCO, riferisce breve perdita di coscienza durante un accesso di tosse
    insistente, senza prodromi, con recupero spontaneo immediato. Nega dolore toracico e palpitazioni. Nessun
    trauma. Non cardiopatie note. PA 140/85 mmHg, FC 88 bpm, SpO2 93% in aa. ECG nella norma. Rx torace:
    iperinsufflazione, non addensamenti. Diagnosi di sincope tussigena; ottimizzata la terapia inalatoria.""",
        eta=56,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        palpitazioni=A,
        dolore_toracico=A,
        trauma_cranico=A,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        pressione_sistolica=140,
        ecg_alterato=A,
    ),
    note(
        """Donna di 35 anni, amenorrea da 7 settimane, giunge per sincope preceduta da dolore addominale in
    fossa iliaca sinistra e sudorazione. Recupero spontaneo. All'arrivo pallida, sudata. PA 80/45 mmHg,
    FC 125 bpm. Ecografia: liquido libero nello scavo del Douglas, utero vuoto. Beta-hCG positiva. Sospetta
    gravidanza ectopica rotta: due accessi venosi, cristalloidi, prove crociate e consulenza ginecologica per
    laparoscopia urgente.""",
        eta=35,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        recupero_spontaneo=P,
        pressione_sistolica=80,
    ),
    note(
        """Uomo di 67 anni, cardiopatia ischemica con IMA anteriore 2 anni fa, FE 35%. Riferisce perdita di
    coscienza a riposo, mentre guardava la televisione, senza prodromi, durata stimata dalla moglie in circa
    1 minuto, con incontinenza urinaria. Nessun morsus. Ripresa spontanea. PA 110/70 mmHg, FC 82 bpm. ECG:
    onde Q in sede anteriore, blocco di branca sinistra. Ricoverato in UTIC per monitoraggio e studio
    elettrofisiologico.""",
        eta=67,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        sincope_da_sforzo=A,
        morsus_linguae=A,
        incontinenza_sfinterica=P,
        recupero_spontaneo=P,
        storia_cardiopatia=P,
        durata_minuti=1,
        pressione_sistolica=110,
        ecg_alterato=P,
    ),
    note(
        """Donna di 73 anni, in terapia con diuretico e ACE-inibitore, da 3 giorni diarrea e scarsa alimentazione.
    Oggi sincope all'alzata dalla sedia, con prodromi di annebbiamento visivo. Trauma cranico assente,
    contusione al gomito destro. Nega cardiopatie. PA 90/55 mmHg, FC 96 bpm. ECG: ritmo sinusale, nei limiti.
    Creatinina 2,1 mg/dl, Na 131 mEq/L. Sincope ortostatica da ipovolemia: sospesi diuretico e ACE-inibitore,
    idratazione ev.""",
        eta=73,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        trauma_cranico=A,
        storia_cardiopatia=A,
        pressione_sistolica=90,
        ecg_alterato=A,
    ),
    note(
        """Ragazzo di 16 anni, sincope durante la corsa campestre scolastica, senza prodromi. Ripresa spontanea
    dopo circa 1 minuto. Non traumi. Familiarità per morte improvvisa giovanile (cugino). PA 120/70 mmHg,
    FC 66 bpm. ECG: QT corretto 510 ms, onde T bifide. Esami ematici: potassio e magnesio nella norma.
    Sospetta sindrome del QT lungo congenita: ricovero in Cardiologia pediatrica, avvio di betabloccante e
    screening ECG dei familiari di primo grado.""",
        eta=16,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        sincope_da_sforzo=P,
        trauma_cranico=A,
        recupero_spontaneo=P,
        durata_minuti=1,
        pressione_sistolica=120,
        ecg_alterato=P,
    ),
    note(
        """Uomo di 48 anni, epilessia nota in terapia con levetiracetam, riferita scarsa aderenza nelle ultime
    settimane. Episodio di perdita di coscienza con scosse tonico-cloniche, morso della lingua e perdita di
    urine, testimoniato dai colleghi di lavoro. Ripresa spontanea della coscienza; all'arrivo confuso, GCS 13, con progressivo miglioramento in
    15 minuti. PA 150/90 mmHg, FC 100 bpm. ECG: ritmo sinusale, nella norma. Livelli di farmaco in corso;
    ripresa la terapia e contattato il neurologo.""",
        eta=48,
        perdita_coscienza_transitoria=P,
        morsus_linguae=P,
        incontinenza_sfinterica=P,
        recupero_spontaneo=P,
        pressione_sistolica=150,
        ecg_alterato=A,
    ),
    note(
        """Donna di 59 anni, da anni episodi di cardiopalmo a inizio e fine improvvisi; oggi durante un episodio
    più lungo breve perdita di coscienza. Non trauma cranico. Nega dolore toracico. Non cardiopatie note.
    PA 120/80 mmHg, FC 84 bpm. ECG a riposo: PR corto e onda delta, compatibile con pre-eccitazione
    ventricolare. Posta in monitoraggio; richiesta consulenza aritmologica per studio elettrofisiologico e
    ablazione della via accessoria.""",
        eta=59,
        perdita_coscienza_transitoria=P,
        palpitazioni=P,
        dolore_toracico=A,
        trauma_cranico=A,
        storia_cardiopatia=A,
        pressione_sistolica=120,
        ecg_alterato=P,
    ),
    note(
        """Uomo di 83 anni, sincope dopo un pranzo abbondante, a riposo in posizione seduta; prodromi di astenia
    e sudorazione. Recupero spontaneo in circa 2 minuti. Nessun trauma. Anamnesi: malattia di Parkinson,
    ipertensione; nega cardiopatie. PA 100/60 mmHg, FC 66 bpm. ECG: BAV di primo grado (PR 240 ms). Holter ECG
    programmato. Diagnosi di sincope da ipotensione post-prandiale; consigliati pasti piccoli e frequenti.""",
        eta=83,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        sincope_da_sforzo=A,
        trauma_cranico=A,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        durata_minuti=2,
        pressione_sistolica=100,
        ecg_alterato=P,
    ),
    note(
        """Donna di 39 anni, riferisce di essere svenuta al lavoro dopo aver visto del sangue; prodromi tipici con
    nausea, pallore e sudorazione. Perdita di coscienza di pochi secondi; i colleghi riferiscono alcune brevi
    scosse agli arti durante l'episodio, non morsus linguae né incontinenza. Ripresa completa e spontanea. Nega
    cardiopatie e palpitazioni. PA 112/68 mmHg, FC 58 bpm. ECG nella norma. Dimessa con diagnosi di sincope
    vasovagale.""",
        eta=39,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        palpitazioni=A,
        morsus_linguae=A,
        incontinenza_sfinterica=A,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        pressione_sistolica=112,
        ecg_alterato=A,
    ),
    note(
        """Uomo di 70 anni, perdita di coscienza durante uno sforzo (spostava dei mobili), preceduta da dolore
    toracico oppressivo. Trauma cranico con ferita lacero-contusa parietale. Nessuna cardiopatia nota. PA 90/60
    mmHg, FC 48 bpm. ECG: sopraslivellamento ST in sede inferiore e BAV di II grado tipo 2:1. Somministrati
    ASA e atropina, applicate le piastre per stimolazione transcutanea; attivata la sala di emodinamica per
    angioplastica primaria.""",
        eta=70,
        perdita_coscienza_transitoria=P,
        dolore_toracico=P,
        sincope_da_sforzo=P,
        trauma_cranico=P,
        storia_cardiopatia=A,
        pressione_sistolica=90,
        ecg_alterato=P,
    ),
    note(
        """Donna di 80 anni, caduta in casa: riferisce di essere scivolata sul tappeto, nega perdita di coscienza
    e prodromi. Trauma cranico con ferita lacero-contusa frontale. In terapia con warfarin per protesi valvolare
    mitralica meccanica; INR 3,4. PA 150/85 mmHg, FC 76 bpm. ECG: ritmo sinusale, nella norma. TC encefalo
    negativa. Sutura della ferita e osservazione per 24 ore come da protocollo per pazienti anticoagulati.""",
        eta=80,
        perdita_coscienza_transitoria=A,
        prodromi=A,
        trauma_cranico=P,
        storia_cardiopatia=P,
        pressione_sistolica=150,
        ecg_alterato=A,
    ),
    note(
        """Uomo di 25 anni, sincope mentre era in piedi a un concerto, febbrile da due giorni per una faringite;
    prodromi di calore e nausea. Trauma cranico lieve. Recupero spontaneo. GCS 15 all'arrivo. PA 120/75 mmHg,
    FC 90 bpm, T 38,3 °C. ECG: sopraslivellamento del punto J di 2 mm con ST a tenda in V1-V2, sospetto
    pattern di Brugada tipo 1 slatentizzato dalla febbre. Paracetamolo, monitoraggio e consulenza
    aritmologica.""",
        eta=25,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        trauma_cranico=P,
        recupero_spontaneo=P,
        pressione_sistolica=120,
        ecg_alterato=P,
    ),
    note(
        """Donna di 60 anni, malattia di Parkinson in terapia con levodopa, riferisce episodi di mancamento con
    visione offuscata quando si alza rapidamente, senza mai perdere coscienza. Nega traumi. PA in
    clinostatismo 140/80 mmHg, in ortostatismo dopo 3 minuti 100/60 mmHg, senza incremento compensatorio della
    frequenza. Non eseguito ECG. Diagnosi di ipotensione ortostatica neurogena; consigliate calze elastiche e
    rivalutazione della terapia.""",
        eta=60,
        perdita_coscienza_transitoria=A,
        prodromi=P,
        trauma_cranico=A,
        pressione_sistolica=140,
    ),
    note(
        """Uomo di 77 anni, in doppia antiaggregazione con acido acetilsalicilico e clopidogrel dopo angioplastica
    con stent per cardiopatia ischemica. Riferisce melena da 2 giorni e oggi sincope alzandosi dal letto,
    preceduta da sudorazione e vista annebbiata. Trauma cranico assente. PA 85/50 mmHg, FC 118 bpm. Hb 7,2
    g/dl. ECG: ritmo sinusale, non alterazioni ischemiche acute. Emotrasfusione, pantoprazolo ev,
    consulenza endoscopica urgente.""",
        eta=77,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        trauma_cranico=A,
        storia_cardiopatia=P,
        pressione_sistolica=85,
        ecg_alterato=A,
    ),
    note(
        """Donna di 31 anni, sincope durante una lezione di spinning, senza prodromi, preceduta da palpitazioni.
    Durata circa 1 minuto. Morsus assente. Ripresa spontanea. Nessuna cardiopatia nota. PA 110/65 mmHg,
    FC 80 bpm. ECG: extrasistoli ventricolari frequenti con morfologia a blocco di branca sinistra e onde T
    negative da V1 a V3. Sospetta cardiomiopatia aritmogena: ecocardiogramma e RM cardiaca in programma,
    astensione dall'attività sportiva.""",
        eta=31,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        palpitazioni=P,
        sincope_da_sforzo=P,
        morsus_linguae=A,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        durata_minuti=1,
        pressione_sistolica=110,
        ecg_alterato=P,
    ),
    note(
        """Uomo di 64 anni, accompagnato dalla figlia per episodio di perdita di coscienza a domicilio, non
    testimoniato. Il paziente non ricorda la dinamica né eventuali sintomi precedenti. Ematoma in regione
    frontale da trauma cranico. In anamnesi ipertensione e dislipidemia, in terapia con
    olmesartan e atorvastatina. Parametri vitali stabili al triage. Esame neurologico nella norma, GCS 15. In
    attesa di ECG, esami ematici e TC encefalo; posto in osservazione con monitoraggio.""",
        eta=64,
        perdita_coscienza_transitoria=P,
        trauma_cranico=P,
    ),
    note(
        """Donna di 70 anni, operata due settimane fa di protesi d'anca sinistra, giunge per sincope seguita da
    dispnea improvvisa. Nega dolore toracico. Nessun trauma. PA 90/60 mmHg, FC 120 bpm, SpO2 86% in aa. ECG:
    tachicardia sinusale, blocco di branca destra incompleto, pattern S1Q3T3. Ecocardiogramma bedside: ventricolo
    destro dilatato. Angio-TC: embolia polmonare bilaterale. Avviata eparina non frazionata, valutazione per
    trombolisi.""",
        eta=70,
        perdita_coscienza_transitoria=P,
        dolore_toracico=A,
        trauma_cranico=A,
        pressione_sistolica=90,
        ecg_alterato=P,
    ),
    note(
        """Uomo di 55 anni, riferisce perdita di coscienza durante la defecazione, preceduta da dolore addominale
    crampiforme, nausea e sudorazione. Ripresa spontanea dopo circa 1 minuto. Non trauma cranico. Nega
    palpitazioni e dolore toracico. Anamnesi patologica remota muta. PA 125/80 mmHg, FC 62 bpm. ECG nella
    norma. Esami ematici nei limiti, emoglobina stabile. Dimesso con diagnosi di sincope situazionale e
    indicazione a visita gastroenterologica.""",
        eta=55,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        palpitazioni=A,
        dolore_toracico=A,
        trauma_cranico=A,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        durata_minuti=1,
        pressione_sistolica=125,
        ecg_alterato=A,
    ),
    note(
        """Donna di 86 anni, demenza di Alzheimer in terapia con donepezil, inviata per episodi ripetuti di
    perdita di coscienza nell'ultima settimana, con cadute e trauma cranico minore. I familiari non riferiscono
    sintomi premonitori. PA 140/70 mmHg, FC 40 bpm. ECG: bradicardia sinusale con BAV di primo grado. Sospesa
    la terapia con donepezil, monitoraggio telemetrico; valutazione cardiologica per eventuale PM.""",
        eta=86,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        trauma_cranico=P,
        pressione_sistolica=140,
        ecg_alterato=P,
    ),
    note(
        """Uomo di 45 anni, sincope mentre assisteva alla medicazione di una ferita del figlio, in piedi, con
    prodromi di nausea e senso di caldo; durata circa 1 minuto, recupero spontaneo. Nessun trauma. Nega
    palpitazioni e dolore toracico. Nessuna patologia cardiaca. PA 115/70 mmHg, FC 58 bpm. ECG nella norma.
    Osservazione per due ore senza recidive. Dimesso con diagnosi di sincope riflessa e istruzioni sulle
    manovre di contropressione.""",
        eta=45,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        palpitazioni=A,
        dolore_toracico=A,
        trauma_cranico=A,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        durata_minuti=1,
        pressione_sistolica=115,
        ecg_alterato=A,
    ),
    note(
        """Donna di 50 anni in terapia con metadone e, da 5 giorni, claritromicina per bronchite. Sincope a riposo
    senza prodromi, durata circa 2 minuti, con incontinenza urinaria e brevi scosse agli arti; non morsus
    linguae. Ripresa spontanea. PA 110/70 mmHg, FC 62 bpm. ECG: QTc 560 ms. K 3,1 mEq/L. Al monitor episodio di
    torsione di punta autolimitantesi. Sospesa claritromicina, magnesio solfato ev e correzione della
    potassiemia.""",
        eta=50,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        sincope_da_sforzo=A,
        morsus_linguae=A,
        incontinenza_sfinterica=P,
        recupero_spontaneo=P,
        durata_minuti=2,
        pressione_sistolica=110,
        ecg_alterato=P,
    ),
    note(
        """Uomo di 69 anni, diabetico e iperteso, riferisce transitoria perdita di coscienza in ortostatismo
    prolungato durante una funzione religiosa, con prodromi di sudorazione e nausea. Nessun trauma cranico.
    Nega dolore toracico e palpitazioni. Neuropatia autonomica diabetica nota. PA 100/60 mmHg, FC 70 bpm.
    ECG: ritmo sinusale, nella norma. Test ortostatico positivo, glicemia 145 mg/dl. Ridotta la terapia antipertensiva e consigliata
    un'adeguata idratazione.""",
        eta=69,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        palpitazioni=A,
        dolore_toracico=A,
        trauma_cranico=A,
        pressione_sistolica=100,
        ecg_alterato=A,
    ),
    note(
        """Donna di 27 anni, riferisce senso di svenimento imminente con palpitazioni, parestesie alle mani e fame
    d'aria, senza perdita di coscienza, insorto durante un esame universitario. Nega dolore toracico. Nessun
    trauma. PA 135/85 mmHg, FC 115 bpm. ECG: ritmo sinusale, nessuna alterazione della ripolarizzazione. EGA:
    alcalosi respiratoria. Dopo rassicurazione regressione dei sintomi; dimessa con indicazione a valutazione
    psicologica.""",
        eta=27,
        perdita_coscienza_transitoria=A,
        prodromi=P,
        palpitazioni=P,
        dolore_toracico=A,
        trauma_cranico=A,
        pressione_sistolica=135,
        ecg_alterato=A,
    ),
    note(
        """Uomo di 73 anni, portatore di ICD per cardiomiopatia dilatativa, riferisce improvvisa perdita di
    coscienza a riposo, mentre era seduto, con ripresa della coscienza solo dopo lo shock erogato dal defibrillatore.
    Nega dolore toracico. Nessun trauma. PA 100/65 mmHg, FC 72 bpm. Interrogazione del dispositivo: tachicardia
    ventricolare interrotta da shock efficace. Elettroliti nella norma. Ricovero in Cardiologia per
    ottimizzazione della terapia antiaritmica.""",
        eta=73,
        perdita_coscienza_transitoria=P,
        dolore_toracico=A,
        sincope_da_sforzo=A,
        trauma_cranico=A,
        recupero_spontaneo=A,
        storia_cardiopatia=P,
        pressione_sistolica=100,
    ),
    note(
        """Donna di 62 anni, riferisce negli ultimi mesi episodi di sincope senza prodromi durante la giornata;
    l'ultimo oggi mentre cucinava, durata di pochi secondi, recupero spontaneo. Nessun trauma. PA 145/80 mmHg,
    FC 52 bpm. ECG: bradicardia sinusale con pause sinusali fino a 3,2 secondi. Holter ECG delle 24 ore:
    pause fino a 4,5 secondi. Diagnosi di malattia del nodo del seno, indicazione a impianto di PM.""",
        eta=62,
        perdita_coscienza_transitoria=P,
        prodromi=A,
        trauma_cranico=A,
        recupero_spontaneo=P,
        pressione_sistolica=145,
        ecg_alterato=P,
    ),
    note(
        """Uomo di 38 anni, sincope circa 10 minuti dopo una donazione di sangue, preceduta da sudorazione e
    nausea, con caduta a terra e trauma cranico lieve (ferita occipitale). Durata circa 1 minuto, ripresa
    spontanea. Non incontinenza. Sano, nessuna cardiopatia. PA 100/60 mmHg, FC 56 bpm. ECG: ritmo sinusale, nei
    limiti. Medicazione della ferita; dimesso con diagnosi di sincope vasovagale post-donazione.""",
        eta=38,
        perdita_coscienza_transitoria=P,
        prodromi=P,
        trauma_cranico=P,
        incontinenza_sfinterica=A,
        recupero_spontaneo=P,
        storia_cardiopatia=A,
        durata_minuti=1,
        pressione_sistolica=100,
        ecg_alterato=A,
    ),
    note(
        """Donna di 77 anni, riferisce episodio di perdita di forza all'arto superiore destro e difficoltà
    nell'eloquio durato circa 20 minuti, senza perdita di coscienza. Nega cardiopalmo e dolore toracico.
    Anamnesi: FA parossistica non in terapia anticoagulante, ipertensione. PA 175/95 mmHg, FC 92 bpm. ECG:
    fibrillazione atriale. Esame neurologico attuale negativo. TC encefalo negativa. Diagnosi di TIA: avvio
    di anticoagulazione e ricovero in Stroke Unit.""",
        eta=77,
        perdita_coscienza_transitoria=A,
        palpitazioni=A,
        dolore_toracico=A,
        storia_cardiopatia=P,
        pressione_sistolica=175,
        ecg_alterato=P,
    ),
]


def main() -> None:
    for split, notes in (("train", TRAIN), ("test", TEST)):
        records = [{"id": f"syncope-{split}-{n:03d}", **rec} for n, rec in enumerate(notes, start=1)]
        print(split, write_jsonl(OUT / f"{split}.jsonl", records))


if __name__ == "__main__":
    main()
