"""Build assets/data/ed_dyspnea_crf: invented emergency-department notes on dyspnoea with their filled form.

Every note and every value was written for the project (CC BY 4.0); patients, places and events are invented.
A field left out of a record below is not mentioned in its note: presence items get "non_menzionato", values
null.

    .venv/bin/python scripts/sample_data/ed_dyspnea_crf.py
"""

from __future__ import annotations

from pathlib import Path

from medui.backend.data.common import write_jsonl

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "assets" / "data" / "ed_dyspnea_crf"
PRESENCE = (
    "dolore_toracico",
    "febbre",
    "tosse",
    "ortopnea",
    "edemi_declivi",
    "storia_bpco",
    "storia_scompenso",
)
ORDER = (
    "eta",
    "insorgenza",
    "dolore_toracico",
    "febbre",
    "tosse",
    "ortopnea",
    "edemi_declivi",
    "storia_bpco",
    "storia_scompenso",
    "saturazione_o2",
    "frequenza_respiratoria",
    "frequenza_cardiaca",
    "pressione_sistolica",
)
P, A = "presente", "assente"


def note(text: str, **fields) -> dict:
    unknown = set(fields) - set(ORDER)
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    filled = {name: fields.get(name, "non_menzionato" if name in PRESENCE else None) for name in ORDER}
    return {"text": " ".join(text.split()), "fields": filled}


TRAIN = [
    note(
        """Uomo di 78 anni, giunge in PS accompagnato dai familiari per dispnea ingravescente da circa 4 giorni,
    peggiorata nelle ultime notti con ortopnea (dorme con tre cuscini). Riferisce aumento ponderale di circa 3 kg
    nell'ultima settimana. Nega dolore toracico e febbre. APR: cardiopatia ischemica cronica, scompenso cardiaco
    con FE ridotta (FE 30%), FA permanente in TAO, IRC. TD: furosemide 25 mg, bisoprololo 2,5 mg, warfarin.
    EO: vigile, orientato, dispnoico a riposo; rantoli crepitanti bibasali, turgore giugulare, edemi declivi
    improntabili fino a metà gamba. PV: PA 165/95 mmHg, FC 98 bpm aritmica, FR 26 atti/min, SpO2 89% in aa,
    T 36,4 °C. Si imposta furosemide ev e O2 in maschera di Venturi.""",
        eta=78,
        insorgenza="subacuta",
        dolore_toracico=A,
        febbre=A,
        ortopnea=P,
        edemi_declivi=P,
        storia_scompenso=P,
        saturazione_o2=89,
        frequenza_respiratoria=26,
        frequenza_cardiaca=98,
        pressione_sistolica=165,
    ),
    note(
        """Donna di 71 anni, nota BPCO (GOLD 3) in O2 terapia domiciliare notturna, ex fumatrice (40 pack/year).
    Da 3 giorni aumento della tosse con espettorato purulento e dispnea ingravescente; febbricola a domicilio
    (T max 37,9 °C). Nega dolore toracico. EO: torace con sibili espiratori diffusi ed espirio prolungato, uso
    dei muscoli accessori; non edemi declivi. PA 140/80 mmHg, FC 104 bpm, FR 28 atti/min, SpO2 86% in aa.
    EGA in aa: pH 7,33, pCO2 58 mmHg, pO2 52 mmHg. Si avvia aerosolterapia con salbutamolo e ipratropio,
    metilprednisolone 40 mg ev, O2 a basso flusso con target SpO2 88-92%.""",
        eta=71,
        insorgenza="subacuta",
        dolore_toracico=A,
        febbre=P,
        tosse=P,
        edemi_declivi=A,
        storia_bpco=P,
        saturazione_o2=86,
        frequenza_respiratoria=28,
        frequenza_cardiaca=104,
        pressione_sistolica=140,
    ),
    note(
        """Ragazza di 24 anni, condotta in PS da un'amica per improvvisa sensazione di "fame d'aria" insorta circa
    30 minuti prima durante una discussione, associata a parestesie alle mani e periorali. Nega dolore toracico,
    febbre e tosse; nega viaggi recenti e immobilizzazione. Anamnesi patologica remota muta, assume
    estroprogestinico. EO: agitata, MV fisiologico su tutto l'ambito, non rumori aggiunti, polpacci liberi.
    PA 130/75 mmHg, FC 118 bpm, FR 30 atti/min, SpO2 100% in aa. EGA: alcalosi respiratoria. D-dimero
    negativo. Dopo rassicurazione e respirazione controllata progressiva regressione dei sintomi.""",
        eta=24,
        insorgenza="acuta",
        dolore_toracico=A,
        febbre=A,
        tosse=A,
        storia_bpco=A,
        storia_scompenso=A,
        saturazione_o2=100,
        frequenza_respiratoria=30,
        frequenza_cardiaca=118,
        pressione_sistolica=130,
    ),
    note(
        """Uomo, 64 anni, fumatore attivo (circa 20 sigarette/die). Da circa 2 mesi dispnea da sforzo ingravescente,
    ora per sforzi lievi, con tosse secca persistente e calo ponderale di 6 kg. Non febbre. Non dolore toracico.
    EO: ottusità plessica e MV abolito ai 2/3 inferiori dell'emitorace destro, FVT abolito. PA 125/80 mmHg,
    FC 92 bpm, SpO2 93% in aa. Rx torace: versamento pleurico destro massivo con spostamento controlaterale del
    mediastino. Si pone indicazione a toracentesi evacuativa con invio del liquido per esame chimico-fisico e
    citologico. Consulenza pneumologica.""",
        eta=64,
        insorgenza="cronica",
        dolore_toracico=A,
        febbre=A,
        tosse=P,
        saturazione_o2=93,
        frequenza_cardiaca=92,
        pressione_sistolica=125,
    ),
    note(
        """Donna di 58 anni, sottoposta 10 giorni fa a intervento di protesi totale di ginocchio destro. Questa
    mattina improvvisa dispnea con dolore toracico puntorio all'emitorace sinistro, accentuato dagli atti del
    respiro. Nega tosse ed emottisi. Non storia di cardiopatie né di broncopneumopatie. EO: polpaccio destro
    dolente e aumentato di volume, MV presente su tutto l'ambito. PA 105/65 mmHg, FC 122 bpm, FR 26 atti/min,
    SpO2 90% in aa, T 37,2 °C. ECG: tachicardia sinusale, S1Q3T3. Wells score elevato: si richiede angio-TC
    polmonare urgente e si avvia eparina a basso peso molecolare.""",
        eta=58,
        insorgenza="acuta",
        dolore_toracico=P,
        febbre=A,
        tosse=A,
        storia_bpco=A,
        storia_scompenso=A,
        saturazione_o2=90,
        frequenza_respiratoria=26,
        frequenza_cardiaca=122,
        pressione_sistolica=105,
    ),
    note(
        """Uomo di 82 anni, inviato da RSA per dispnea e febbre (T 38,6 °C) da 2 giorni, con tosse produttiva.
    Allettato, esiti di ictus ischemico con disfagia per i liquidi; riferiti episodi di tosse durante i pasti.
    All'arrivo: GCS 13, PA 100/60 mmHg, FC 108 bpm, FR 30 atti/min, SpO2 88% in aa. EO: rantoli a medie bolle in
    base destra, cute disidratata. Rx torace: addensamento basale destro. Si sospetta polmonite ab ingestis:
    emocolture, avvio di piperacillina/tazobactam, idratazione ev e O2 terapia.""",
        eta=82,
        insorgenza="subacuta",
        febbre=P,
        tosse=P,
        saturazione_o2=88,
        frequenza_respiratoria=30,
        frequenza_cardiaca=108,
        pressione_sistolica=100,
    ),
    note(
        """Donna di 35 anni, asmatica nota dall'infanzia in terapia con salbutamolo al bisogno, giunge per crisi
    dispnoica insorta da circa 3 ore dopo esposizione al gatto di un'amica. Riferisce tosse stizzosa. Nega
    febbre. EO: parla con frasi brevi, sibili espiratori diffusi, tirage intercostale. SpO2 92% in aa, FR 26
    atti/min, FC 112 bpm, PA 135/85 mmHg. PEF 45% del teorico. Si somministrano salbutamolo e ipratropio per
    aerosol ripetuti, metilprednisolone ev; rivalutazione dopo un'ora con PEF 70%.""",
        eta=35,
        insorgenza="acuta",
        febbre=A,
        tosse=P,
        saturazione_o2=92,
        frequenza_respiratoria=26,
        frequenza_cardiaca=112,
        pressione_sistolica=135,
    ),
    note(
        """Uomo di 29 anni, alto e longilineo, fumatore, riferisce dolore toracico improvviso all'emitorace destro
    insorto a riposo circa 2 ore fa, seguito da dispnea. Nega traumi. EO: MV abolito e iperfonesi plessica a
    destra, trachea in asse. PA 128/78 mmHg, FC 96 bpm, SpO2 94% in aa, FR 22 atti/min. Rx torace:
    pneumotorace destro con scollamento apicale di 3 cm. Consulenza chirurgica toracica: posizionamento di
    drenaggio toracico, successiva riespansione del polmone al controllo radiografico.""",
        eta=29,
        insorgenza="acuta",
        dolore_toracico=P,
        saturazione_o2=94,
        frequenza_respiratoria=22,
        frequenza_cardiaca=96,
        pressione_sistolica=128,
    ),
    note(
        """Donna di 88 anni, ipertesa, diabetica, con pregresso IMA e scompenso cardiaco cronico. Portata dal 118
    per dispnea acuta insorta nella notte con ortopnea, costretta a stare seduta sul letto. All'arrivo sudata,
    agitata, tosse con escreato schiumoso rosato. Nega dolore toracico. EO: rantoli crepitanti fino ai campi
    medi bilateralmente, edemi declivi lievi. PA 210/110 mmHg, FC 120 bpm, FR 34 atti/min, SpO2 82% in aa.
    Avviata CPAP, nitrati in infusione e furosemide ev. Diagnosi: edema polmonare acuto su crisi
    ipertensiva.""",
        eta=88,
        insorgenza="acuta",
        dolore_toracico=A,
        tosse=P,
        ortopnea=P,
        edemi_declivi=P,
        storia_scompenso=P,
        saturazione_o2=82,
        frequenza_respiratoria=34,
        frequenza_cardiaca=120,
        pressione_sistolica=210,
    ),
    note(
        """Uomo di 67 anni, BPCO in triplice terapia inalatoria, giunge per peggioramento della dispnea da una
    settimana. Nega febbre e dolore toracico; tosse invariata rispetto al solito, con escreato mucoso. Riferisce
    gonfiore alle caviglie da alcuni giorni. EO: torace iperespanso, MV ridotto diffusamente, rari sibili;
    edemi declivi perimalleolari bilaterali. PA 150/85 mmHg, FC 90 bpm, FR 24 atti/min, SpO2 87% in aa.
    Ecocardiogramma bedside: sezioni destre dilatate, FE conservata. Si richiedono NT-proBNP ed EGA.""",
        eta=67,
        insorgenza="subacuta",
        dolore_toracico=A,
        febbre=A,
        tosse=P,
        edemi_declivi=P,
        storia_bpco=P,
        saturazione_o2=87,
        frequenza_respiratoria=24,
        frequenza_cardiaca=90,
        pressione_sistolica=150,
    ),
    note(
        """Donna di 46 anni, in chemioterapia adiuvante per carcinoma mammario. Da 5 giorni astenia ingravescente e
    dispnea da sforzo, pallore marcato. Nega dolore toracico, febbre e tosse. Non ortopnea, non edemi. EO: cute
    e mucose pallide, soffio sistolico 2/6 da eiezione al focolaio aortico, MV normotrasmesso. PA 110/70 mmHg,
    FC 115 bpm, FR 20 atti/min, SpO2 98% in aa. Emocromo: Hb 6,8 g/dl, PLT 98.000/mmc. Si richiedono 2 unità
    di emazie concentrate e consulenza oncologica.""",
        eta=46,
        insorgenza="subacuta",
        dolore_toracico=A,
        febbre=A,
        tosse=A,
        ortopnea=A,
        edemi_declivi=A,
        saturazione_o2=98,
        frequenza_respiratoria=20,
        frequenza_cardiaca=115,
        pressione_sistolica=110,
    ),
    note(
        """Uomo di 55 anni, diabetico in terapia insulinica, condotto dalla moglie per "respiro affannoso" e vomito
    da questa mattina; riferita sospensione dell'insulina da due giorni per inappetenza. Non dolore toracico.
    EO: respiro profondo e frequente tipo Kussmaul, alito acetonemico, mucose asciutte. GCS 14. PA 100/55 mmHg,
    FC 125 bpm, FR 32 atti/min, SpO2 98% in aa. Glicemia 560 mg/dl, EGA: pH 7,08, HCO3 6 mmol/L, chetonemia
    elevata. Diagnosi: chetoacidosi diabetica. Avviati reidratazione e protocollo insulinico ev.""",
        eta=55,
        insorgenza="acuta",
        dolore_toracico=A,
        saturazione_o2=98,
        frequenza_respiratoria=32,
        frequenza_cardiaca=125,
        pressione_sistolica=100,
    ),
    note(
        """Uomo di 74 anni, con FA parossistica nota, riferisce da circa 6 ore cardiopalmo e affanno. Nega dolore
    toracico, nega febbre. Anamnesi: ipertensione arteriosa, ipertrofia prostatica benigna; non BPCO. TD:
    ramipril, flecainide al bisogno. EO: toni aritmici, tachicardici, MV normotrasmesso, non edemi declivi.
    PA 145/90 mmHg, FC 152 bpm, FR 22 atti/min, SpO2 95% in aa. ECG: fibrillazione atriale ad alta risposta
    ventricolare, non alterazioni ischemiche. Si somministra metoprololo ev con controllo della frequenza.""",
        eta=74,
        insorgenza="acuta",
        dolore_toracico=A,
        febbre=A,
        edemi_declivi=A,
        storia_bpco=A,
        saturazione_o2=95,
        frequenza_respiratoria=22,
        frequenza_cardiaca=152,
        pressione_sistolica=145,
    ),
    note(
        """Donna di 62 anni, giunge in PS per dispnea e dolore toracico retrosternale oppressivo iniziati un'ora
    fa, irradiati al braccio sinistro, con sudorazione algida e nausea. Fattori di rischio: ipertensione,
    dislipidemia, fumo. PA 95/60 mmHg, FC 58 bpm. ECG: sopraslivellamento del tratto ST in
    D2, D3, aVF con sottoslivellamento speculare in D1 e aVL. Somministrati ASA 250 mg ev ed eparina;
    attivata l'emodinamica per angioplastica primaria.""",
        eta=62,
        insorgenza="acuta",
        dolore_toracico=P,
        frequenza_cardiaca=58,
        pressione_sistolica=95,
    ),
    note(
        """Uomo di 81 anni, noto per scompenso cardiaco da stenosi aortica severa, in attesa di valutazione per
    TAVI. Giunge per dispnea da sforzo peggiorata nelle ultime 2 settimane, ortopnea e dispnea parossistica
    notturna; tosse secca notturna. Apiretico. EO: soffio sistolico 4/6 al focolaio aortico irradiato ai vasi
    del collo, rantoli bibasali, edemi declivi marcati fino alle cosce. PA 118/70 mmHg, FC 88 bpm, SpO2 91% in
    aa, FR 24 atti/min. Si avvia terapia diuretica ev e si contatta il cardiologo.""",
        eta=81,
        insorgenza="subacuta",
        febbre=A,
        tosse=P,
        ortopnea=P,
        edemi_declivi=P,
        storia_scompenso=P,
        saturazione_o2=91,
        frequenza_respiratoria=24,
        frequenza_cardiaca=88,
        pressione_sistolica=118,
    ),
    note(
        """Donna di 40 anni, da 3 giorni febbre fino a 39 °C, tosse con espettorato color ruggine e dolore
    toracico puntorio alla base sinistra che aumenta con il respiro; dispnea ingravescente negli ultimi 2 giorni.
    Anamnesi patologica remota negativa. EO: ipofonesi e soffio bronchiale alla base sinistra. PA 120/70 mmHg,
    FC 110 bpm, FR 24 atti/min, SpO2 93% in aa, T 38,8 °C. Rx torace: addensamento lobare inferiore sinistro.
    CURB-65: 1. Avvio di ceftriaxone e azitromicina, ricovero in Medicina.""",
        eta=40,
        insorgenza="subacuta",
        dolore_toracico=P,
        febbre=P,
        tosse=P,
        storia_bpco=A,
        storia_scompenso=A,
        saturazione_o2=93,
        frequenza_respiratoria=24,
        frequenza_cardiaca=110,
        pressione_sistolica=120,
    ),
    note(
        """Uomo di 50 anni, obeso (BMI 41), forte russatore, inviato dal curante per dispnea da sforzo presente da
    mesi e sonnolenza diurna. Nega dolore toracico, tosse e febbre. Non ortopnea. Lievi edemi perimalleolari
    serali. EO: circonferenza del collo aumentata, MV ridotto per l'habitus. PA 150/95 mmHg, FC 84 bpm,
    SpO2 91% in aa. EGA: ipercapnia (pCO2 52 mmHg) con pH compensato. Si sospetta sindrome obesità-
    ipoventilazione: richiesta polisonnografia e visita pneumologica.""",
        eta=50,
        insorgenza="cronica",
        dolore_toracico=A,
        febbre=A,
        tosse=A,
        ortopnea=A,
        edemi_declivi=P,
        saturazione_o2=91,
        frequenza_cardiaca=84,
        pressione_sistolica=150,
    ),
    note(
        """Donna di 69 anni, nota per fibrosi polmonare idiopatica in terapia con nintedanib. Da circa 10 giorni
    aumento della dispnea, ora anche a riposo, e tosse secca. Nega febbre e dolore toracico. Non edemi. EO:
    crepitii "a velcro" bibasali, clubbing digitale. PA 130/80 mmHg, FC 100 bpm, FR 28 atti/min, SpO2 84% in
    aa, 92% con O2 3 l/min in occhialini. TC torace ad alta risoluzione: nuove opacità a vetro smerigliato
    sovrapposte al quadro fibrotico. Ipotesi di riacutizzazione, ricovero in Pneumologia.""",
        eta=69,
        insorgenza="subacuta",
        dolore_toracico=A,
        febbre=A,
        tosse=P,
        edemi_declivi=A,
        saturazione_o2=84,
        frequenza_respiratoria=28,
        frequenza_cardiaca=100,
        pressione_sistolica=130,
    ),
]

TEST = [
    note(
        """Uomo di 76 anni. Dispnea insorta da circa 1 ora mentre guardava la televisione. Nega dolore toracico.
    Anamnesi: BPCO, cardiopatia ischemica con FE conservata, diabete mellito tipo 2; mai ricoverato per
    scompenso cardiaco. EO: rantoli bibasali, sibili sparsi, non turgore giugulare. PA 180/100 mmHg,
    FC 110 bpm, FR 30 atti/min, SpO2 85% in aa, T 36,7 °C. ECG: tachicardia sinusale, sottoslivellamento ST
    diffuso di 1 mm. Avviati NIV, nitrati e diuretico; in attesa di troponina ed ecocardiogramma.""",
        eta=76,
        insorgenza="acuta",
        dolore_toracico=A,
        febbre=A,
        storia_bpco=P,
        storia_scompenso=A,
        saturazione_o2=85,
        frequenza_respiratoria=30,
        frequenza_cardiaca=110,
        pressione_sistolica=180,
    ),
    note(
        """Donna di 31 anni, alla 34ª settimana di gravidanza, giunge per dispnea e dolore toracico pleuritico
    comparsi improvvisamente stamani. Nega tosse e febbre. Non edemi declivi; gravidanza finora decorsa senza
    complicanze. EO: MV presente bilateralmente, non rumori aggiunti. PA 115/70 mmHg, FC 128 bpm, FR 28
    atti/min, SpO2 92% in aa. Ecografia compressiva venosa degli arti inferiori: trombosi venosa femorale
    sinistra. Si avvia enoxaparina a dose terapeutica, consulenza ginecologica e monitoraggio fetale.""",
        eta=31,
        insorgenza="acuta",
        dolore_toracico=P,
        febbre=A,
        tosse=A,
        edemi_declivi=A,
        saturazione_o2=92,
        frequenza_respiratoria=28,
        frequenza_cardiaca=128,
        pressione_sistolica=115,
    ),
    note(
        """Uomo di 85 anni, affetto da demenza di grado moderato, inviato dalla casa di riposo per desaturazione
    (SpO2 85% rilevata dall'infermiere della struttura) e febbre (T 38,2 °C). Anamnesi non
    raccoglibile dal paziente. Riferita tosse debole e inefficace. In PS: SpO2 88% in aa, FR 28 atti/min,
    FC 102 bpm, PA 95/50 mmHg. EO: rantoli crepitanti alla base sinistra, mucose asciutte. Emocolture e
    urinocoltura, avvio di terapia antibiotica empirica e O2 in occhialini.""",
        eta=85,
        febbre=P,
        tosse=P,
        saturazione_o2=88,
        frequenza_respiratoria=28,
        frequenza_cardiaca=102,
        pressione_sistolica=95,
    ),
    note(
        """Donna di 52 anni, dispnea ingravescente da un mese, ora per minimi sforzi, con ortopnea e astenia
    marcata. Recente sindrome influenzale. Nega dolore toracico. EO: toni cardiaci ovattati, turgore giugulare,
    polso paradosso. PA 90/60 mmHg, FC 118 bpm, SpO2 95% in aa. ECG: bassi voltaggi e alternanza elettrica.
    Ecocardiogramma bedside: versamento pericardico circonferenziale con collasso diastolico delle sezioni
    destre. Si allerta il cardiologo per pericardiocentesi in urgenza.""",
        eta=52,
        insorgenza="cronica",
        dolore_toracico=A,
        ortopnea=P,
        saturazione_o2=95,
        frequenza_cardiaca=118,
        pressione_sistolica=90,
    ),
    note(
        """Uomo di 60 anni, fumatore, BPCO nota non in terapia regolare. Da 2 giorni febbre 38 °C, tosse
    produttiva con escreato giallastro e dispnea ingravescente. Nega dolore toracico. Non ortopnea. EO: ronchi
    diffusi, espirio prolungato. PA 135/80 mmHg, FC 100 bpm, FR 24 atti/min, SpO2 90% in aa. EGA: ipossiemia
    senza ipercapnia. Rx torace: non addensamenti. Si imposta terapia con broncodilatatori, steroide per os e
    amoxicillina/clavulanato; dimissione con controllo dal curante.""",
        eta=60,
        insorgenza="subacuta",
        dolore_toracico=A,
        febbre=P,
        tosse=P,
        ortopnea=A,
        storia_bpco=P,
        saturazione_o2=90,
        frequenza_respiratoria=24,
        frequenza_cardiaca=100,
        pressione_sistolica=135,
    ),
    note(
        """Donna di 79 anni, scompenso cardiaco cronico (FE 35%), IRC stadio 3b. Riferisce da 5 giorni riduzione
    della diuresi, aumento degli edemi agli arti inferiori e dispnea per sforzi lievi; ortopnea, da 2 notti
    dorme seduta in poltrona. Nega dolore toracico, tosse e febbre. EO: edemi declivi fino alle ginocchia,
    rantoli bibasali. PA 100/65 mmHg, FC 76 bpm, SpO2 93% in aa, FR 22 atti/min. Creatinina 2,4 mg/dl,
    NT-proBNP 9800 pg/ml. Si avvia furosemide in infusione continua.""",
        eta=79,
        insorgenza="subacuta",
        dolore_toracico=A,
        febbre=A,
        tosse=A,
        ortopnea=P,
        edemi_declivi=P,
        storia_scompenso=P,
        saturazione_o2=93,
        frequenza_respiratoria=22,
        frequenza_cardiaca=76,
        pressione_sistolica=100,
    ),
    note(
        """Uomo di 45 anni, giunge per reazione allergica insorta 20 minuti dopo puntura di imenottero: dispnea,
    orticaria diffusa, edema delle labbra e raucedine. Nega dolore toracico. Allergie note: nessuna. EO: lieve
    stridore inspiratorio, sibili espiratori diffusi. PA 85/50 mmHg, FC 130 bpm, FR 28 atti/min, SpO2 93% in
    aa. Somministrate adrenalina 0,5 mg im, idrocortisone e clorfenamina ev, cristalloidi; rapido miglioramento
    clinico. Osservazione breve intensiva per 12 ore.""",
        eta=45,
        insorgenza="acuta",
        dolore_toracico=A,
        saturazione_o2=93,
        frequenza_respiratoria=28,
        frequenza_cardiaca=130,
        pressione_sistolica=85,
    ),
    note(
        """Donna di 73 anni. Dispnea e tosse da circa 3 settimane, febbricola serale e sudorazioni notturne,
    calo ponderale. Ex fumatrice. Nega dolore toracico. Non edemi. Non cardiopatie note. PA 125/75 mmHg,
    FC 95 bpm, FR 22 atti/min, SpO2 94% in aa, T 37,6 °C. Rx torace: lesione escavata apicale destra.
    EO: rantoli
    a piccole bolle all'apice destro. Posta in isolamento respiratorio; richiesti espettorato per BAAR e test
    molecolare per micobatteri, notifica alla Direzione sanitaria.""",
        eta=73,
        insorgenza="cronica",
        dolore_toracico=A,
        febbre=P,
        tosse=P,
        edemi_declivi=A,
        storia_scompenso=A,
        saturazione_o2=94,
        frequenza_respiratoria=22,
        frequenza_cardiaca=95,
        pressione_sistolica=125,
    ),
    note(
        """Uomo di 38 anni, HIV positivo non in terapia antiretrovirale, riferisce dispnea da sforzo ingravescente
    da 10 giorni con tosse secca e febbre serale. EO: MV lievemente ridotto, non rumori aggiunti. PA 110/70
    mmHg, FC 105 bpm, FR 26 atti/min, SpO2 89% in aa, desatura all'82% dopo pochi passi. LDH elevato.
    TC torace: opacità a vetro smerigliato bilaterali a distribuzione perilare. Ipotesi di polmonite da
    Pneumocystis: avviati cotrimoxazolo ad alte dosi e prednisone.""",
        eta=38,
        insorgenza="subacuta",
        febbre=P,
        tosse=P,
        saturazione_o2=89,
        frequenza_respiratoria=26,
        frequenza_cardiaca=105,
        pressione_sistolica=110,
    ),
    note(
        """Donna di 66 anni, giunta in PS con mezzo proprio per dispnea. Riferisce che i sintomi sono iniziati
    circa un'ora prima, dopo una lite in famiglia, con senso di nodo alla gola. Anamnesi: ipotiroidismo in terapia sostitutiva,
    sindrome ansiosa. EO nella norma, MV normotrasmesso. Parametri: PA 150/90 mmHg, FC 88 bpm, SpO2 97% in aa,
    FR 18 atti/min. ECG: ritmo sinusale, non alterazioni acute della ripolarizzazione. Dopo colloquio e
    osservazione regressione spontanea; dimessa con diagnosi di dispnea su base ansiosa.""",
        eta=66,
        insorgenza="acuta",
        saturazione_o2=97,
        frequenza_respiratoria=18,
        frequenza_cardiaca=88,
        pressione_sistolica=150,
    ),
    note(
        """Uomo di 70 anni, mesotelioma pleurico destro in chemioterapia, ex esposto ad amianto. Da 10 giorni
    dispnea ingravescente e dolore toracico sordo all'emitorace destro. Nega febbre. Tosse stizzosa. Non BPCO,
    non scompenso. EO: ottusità e MV ridotto alla base destra. SpO2 90% in aa, FC 98 bpm. Ecografia toracica:
    versamento pleurico destro saccato di medie dimensioni. Toracentesi evacuativa con beneficio; contattato
    l'oncologo di riferimento.""",
        eta=70,
        insorgenza="subacuta",
        dolore_toracico=P,
        febbre=A,
        tosse=P,
        storia_bpco=A,
        storia_scompenso=A,
        saturazione_o2=90,
        frequenza_cardiaca=98,
    ),
    note(
        """Donna di 84 anni, anamnesi di ipertensione, FA permanente, scompenso cardiaco e BPCO. Da 3 giorni
    dispnea ingravescente, tosse produttiva e febbricola. Ortopnea. EO: soporosa ma risvegliabile, rantoli e
    sibili diffusi, edemi declivi. PA 160/90 mmHg, FC 115 bpm aritmica, FR 30 atti/min, SpO2 83% in aa.
    EGA: acidosi respiratoria (pH 7,29, pCO2 68 mmHg). Avviata NIV in modalità bilevel, terapia diuretica,
    broncodilatatori e antibiotico; ricovero in area semi-intensiva.""",
        eta=84,
        insorgenza="subacuta",
        febbre=P,
        tosse=P,
        ortopnea=P,
        edemi_declivi=P,
        storia_bpco=P,
        storia_scompenso=P,
        saturazione_o2=83,
        frequenza_respiratoria=30,
        frequenza_cardiaca=115,
        pressione_sistolica=160,
    ),
    note(
        """Ragazzo di 19 anni, giunge per dispnea e dolore toracico insorti durante una partita di calcio, circa
    40 minuti fa, dopo uno scontro di gioco. Nega febbre e tosse. Non patologie note, non assume farmaci.
    EO: lieve dolorabilità alla digitopressione dell'arcata costale sinistra, MV presente bilateralmente.
    PA 122/70 mmHg, FC 90 bpm, FR 20 atti/min, SpO2 97% in aa. Rx torace: negativo per PNX e fratture. ECG
    nella norma. Dimesso con analgesico al bisogno.""",
        eta=19,
        insorgenza="acuta",
        dolore_toracico=P,
        febbre=A,
        tosse=A,
        storia_bpco=A,
        storia_scompenso=A,
        saturazione_o2=97,
        frequenza_respiratoria=20,
        frequenza_cardiaca=90,
        pressione_sistolica=122,
    ),
    note(
        """Uomo di 57 anni, cirrosi epatica HCV correlata, giunge per dispnea e aumento della circonferenza
    addominale da circa 3 settimane. Non febbre. EO: addome teso per ascite, ottusità alla base destra, edemi
    declivi bilaterali. PA 105/60 mmHg, FC 92 bpm, SpO2 92% in aa, FR 24 atti/min. Ecografia: ascite
    abbondante e versamento pleurico destro (idrotorace epatico). Paracentesi evacuativa di 5 litri con
    albumina ev, con miglioramento della dispnea.""",
        eta=57,
        insorgenza="cronica",
        febbre=A,
        edemi_declivi=P,
        saturazione_o2=92,
        frequenza_respiratoria=24,
        frequenza_cardiaca=92,
        pressione_sistolica=105,
    ),
    note(
        """Donna di 92 anni, allettata, portata dai figli per respiro rumoroso e "affanno" comparsi questa mattina.
    Febbre 38,9 °C. Tosse non efficace con ristagno di secrezioni. Anamnesi: demenza, scompenso cardiaco in
    terapia diuretica. EO: rantoli grossolani diffusi, cute marezzata alle ginocchia. PA 90/50 mmHg,
    FC 118 bpm, FR 32 atti/min, SpO2 80% in aa. Lattati 3,8 mmol/L. Si imposta terapia antibiotica ev e
    idratazione; condivise con i familiari le cure appropriate.""",
        eta=92,
        insorgenza="acuta",
        febbre=P,
        tosse=P,
        storia_scompenso=P,
        saturazione_o2=80,
        frequenza_respiratoria=32,
        frequenza_cardiaca=118,
        pressione_sistolica=90,
    ),
    note(
        """Uomo di 48 anni, dispnea da sforzo (NYHA II-III) da circa 3 mesi, ortopnea a due cuscini. Nega dolore
    toracico. Non febbre. Anamnesi patologica remota negativa, non fumatore, consumo di alcol di circa 1 litro
    di vino al giorno. EO: terzo tono, rantoli fini bibasali, edemi declivi lievi. PA 110/70 mmHg, FC 104 bpm,
    SpO2 94% in aa. Ecocardiogramma: ventricolo sinistro dilatato e ipocinetico, FE 25%. Sospetta
    cardiomiopatia dilatativa alcolica, ricovero in Cardiologia.""",
        eta=48,
        insorgenza="cronica",
        dolore_toracico=A,
        febbre=A,
        ortopnea=P,
        edemi_declivi=P,
        storia_bpco=A,
        storia_scompenso=A,
        saturazione_o2=94,
        frequenza_cardiaca=104,
        pressione_sistolica=110,
    ),
    note(
        """Donna di 27 anni, asmatica, giunge per dispnea e tosse da 2 giorni, comparse dopo un'infezione delle
    alte vie respiratorie. T 36,9 °C. Nega dolore toracico. EO: sibili espiratori bilaterali, parla frasi
    complete. SpO2 95% in aa, FR 22 atti/min, FC 98 bpm, PA 118/72 mmHg. PEF 65% del teorico. Dopo aerosol con
    salbutamolo e steroide per os netto miglioramento; dimessa con potenziamento della terapia inalatoria.""",
        eta=27,
        insorgenza="subacuta",
        dolore_toracico=A,
        febbre=A,
        tosse=P,
        saturazione_o2=95,
        frequenza_respiratoria=22,
        frequenza_cardiaca=98,
        pressione_sistolica=118,
    ),
    note(
        """Uomo di 77 anni, malattia di Parkinson, riferisce affanno improvviso durante il pranzo con tosse violenta
    ("gli è andato di traverso un boccone", riferisce la moglie). All'arrivo SpO2 91% in aa, FR 26 atti/min,
    FC 100 bpm, PA 150/80 mmHg. EO: MV ridotto alla base destra, sibilo localizzato. Rx torace: nessun corpo
    estraneo radiopaco, iperinsufflazione del polmone destro. Si richiede broncoscopia urgente, che rimuove
    un frammento di cibo dal bronco intermedio.""",
        eta=77,
        insorgenza="acuta",
        tosse=P,
        saturazione_o2=91,
        frequenza_respiratoria=26,
        frequenza_cardiaca=100,
        pressione_sistolica=150,
    ),
    note(
        """Donna di 55 anni, da 4 giorni dispnea, febbre fino a 38,5 °C, mialgie e tosse secca; tampone
    antigenico per SARS-CoV-2 positivo. Nega dolore toracico. Non BPCO né scompenso cardiaco. EO: crepitii
    fini bibasali. SpO2 91% in aa, FR 24 atti/min, FC 96 bpm, PA 130/80 mmHg. Ecografia polmonare: linee B
    multiple bilaterali. Si avviano O2 terapia, desametasone ed eparina a dose profilattica; ricovero in
    area COVID.""",
        eta=55,
        insorgenza="subacuta",
        dolore_toracico=A,
        febbre=P,
        tosse=P,
        storia_bpco=A,
        storia_scompenso=A,
        saturazione_o2=91,
        frequenza_respiratoria=24,
        frequenza_cardiaca=96,
        pressione_sistolica=130,
    ),
    note(
        """Uomo di 63 anni, in emodialisi per IRC terminale, giunge per dispnea insorta nella notte dopo aver
    saltato la seduta dialitica di ieri. Ortopnea. Nega dolore toracico. EO: edemi declivi importanti, rantoli
    bibasali, fistola artero-venosa al braccio sinistro funzionante. PA 190/100 mmHg, FC 95 bpm, FR 28
    atti/min, SpO2 86% in aa. K+ 6,8 mEq/L; ECG: onde T alte e appuntite. Somministrati calcio gluconato,
    insulina e glucosio; contattato il nefrologo per dialisi urgente.""",
        eta=63,
        insorgenza="acuta",
        dolore_toracico=A,
        ortopnea=P,
        edemi_declivi=P,
        saturazione_o2=86,
        frequenza_respiratoria=28,
        frequenza_cardiaca=95,
        pressione_sistolica=190,
    ),
    note(
        """Donna di 45 anni, riferisce dispnea da sforzo da 6 mesi, progressivamente ingravescente, con due
    episodi di lipotimia durante sforzo. Nega dolore toracico. Anamnesi: sclerodermia. EO: rinforzo del secondo
    tono polmonare, edemi declivi, teleangectasie al volto. SpO2 93% in aa, FC 90 bpm, PA 110/70 mmHg.
    Ecocardiogramma: PAPs stimata 75 mmHg, ventricolo destro dilatato. Si ipotizza ipertensione polmonare,
    invio al centro di riferimento per cateterismo cardiaco destro.""",
        eta=45,
        insorgenza="cronica",
        dolore_toracico=A,
        edemi_declivi=P,
        saturazione_o2=93,
        frequenza_cardiaca=90,
        pressione_sistolica=110,
    ),
    note(
        """Uomo di 80 anni, BPCO grave in ossigenoterapia domiciliare a 2 l/min, accompagnato per aumento della
    dispnea da 2 giorni e sonnolenza. GCS 12. Tosse con escreato purulento. Apiretico. SpO2 89% in O2 2 l/min,
    FR 30 atti/min, FC 105 bpm, PA 145/75 mmHg. EGA: pH 7,25, pCO2 85 mmHg. EO: MV molto ridotto, sibili
    diffusi, asterixis. Riacutizzazione di BPCO con acidosi respiratoria: avviata NIV, broncodilatatori,
    steroide e antibiotico.""",
        eta=80,
        insorgenza="subacuta",
        febbre=A,
        tosse=P,
        storia_bpco=P,
        saturazione_o2=89,
        frequenza_respiratoria=30,
        frequenza_cardiaca=105,
        pressione_sistolica=145,
    ),
    note(
        """Donna di 74 anni, inviata dal medico curante per dispnea da sforzo e astenia ingravescenti da alcune
    settimane. In anamnesi ipertensione arteriosa e diabete mellito tipo 2. EO: pallore cutaneo, MV
    normotrasmesso, addome trattabile. PA 140/85 mmHg, FC 72 bpm. Esplorazione rettale: feci picee. Riferisce
    assunzione di ibuprofene per gonalgia nell'ultimo mese. In attesa di emocromo, sideremia e ferritina;
    richiesta consulenza gastroenterologica per EGDS.""",
        eta=74,
        insorgenza="cronica",
        frequenza_cardiaca=72,
        pressione_sistolica=140,
    ),
    note(
        """Uomo di 52 anni, caduto da una scala circa 3 ore fa con trauma toracico destro; riferisce dolore
    toracico destro e dispnea progressiva. Non febbre. EO: enfisema sottocutaneo, MV ridotto a destra,
    crepitio costale. PA 110/70 mmHg, FC 112 bpm, FR 28 atti/min, SpO2 89% in aa. GCS 15. TC torace: fratture
    costali multiple a destra ed emopneumotorace. Posizionato drenaggio toracico, analgesia con morfina,
    ricovero in Chirurgia toracica.""",
        eta=52,
        insorgenza="acuta",
        dolore_toracico=P,
        febbre=A,
        saturazione_o2=89,
        frequenza_respiratoria=28,
        frequenza_cardiaca=112,
        pressione_sistolica=110,
    ),
    note(
        """Donna di 68 anni, ex fumatrice, BPCO. Da stanotte dispnea a riposo con dolore toracico oppressivo.
    Nega febbre e tosse. Nessun episodio di scompenso cardiaco in anamnesi. EO: MV ridotto, non rantoli, non
    edemi. PA 100/60 mmHg, FC 115 bpm, FR 26 atti/min, SpO2 88% in aa. ECG: sottoslivellamento ST V4-V6.
    Troponina ad alta sensibilità in aumento al controllo a un'ora. NSTEMI: avviata doppia antiaggregazione e
    richiesta coronarografia.""",
        eta=68,
        insorgenza="acuta",
        dolore_toracico=P,
        febbre=A,
        tosse=A,
        edemi_declivi=A,
        storia_bpco=P,
        storia_scompenso=A,
        saturazione_o2=88,
        frequenza_respiratoria=26,
        frequenza_cardiaca=115,
        pressione_sistolica=100,
    ),
    note(
        """Uomo di 90 anni, giunge in PS accompagnato dai familiari per dispnea.
    Anamnesi: pregresso IMA, scompenso cardiaco in terapia con furosemide e ramipril, ipoacusia. EO: rantoli
    bibasali, non edemi declivi, addome trattabile. SpO2 94% in aa, PA 130/70 mmHg. ECG: ritmo sinusale, esiti
    di necrosi inferiore. In attesa di esami ematochimici, NT-proBNP e Rx torace; si
    somministra furosemide 40 mg ev e si posiziona catetere vescicale per il monitoraggio della diuresi.""",
        eta=90,
        edemi_declivi=A,
        storia_scompenso=P,
        saturazione_o2=94,
        pressione_sistolica=130,
    ),
    note(
        """Donna di 37 anni, da una settimana dispnea ingravescente, cardiopalmo, calo ponderale, tremori e
    sudorazione. Nega dolore toracico e febbre. Non tosse. EO: tiroide aumentata di volume, tremori fini alle
    mani, esoftalmo. PA 150/70 mmHg, FC 135 bpm, FR 22 atti/min, SpO2 98% in aa. ECG: tachicardia sinusale.
    TSH soppresso, FT4 elevato. Ipotesi di tireotossicosi (morbo di Basedow): avviati propranololo e
    metimazolo, visita endocrinologica.""",
        eta=37,
        insorgenza="subacuta",
        dolore_toracico=A,
        febbre=A,
        tosse=A,
        saturazione_o2=98,
        frequenza_respiratoria=22,
        frequenza_cardiaca=135,
        pressione_sistolica=150,
    ),
]


def main() -> None:
    for split, notes in (("train", TRAIN), ("test", TEST)):
        records = [{"id": f"dyspnea-{split}-{n:03d}", **rec} for n, rec in enumerate(notes, start=1)]
        print(split, write_jsonl(OUT / f"{split}.jsonl", records))


if __name__ == "__main__":
    main()
