"""MedMCQA-style one-line questions written for the project: (question, correct answer, three distractors).

Short entrance-exam questions on basic and clinical sciences, in Italian, invented for the project. The first 20
go to train, the rest to test; mcqa_build.py places the correct answer so the letters come out balanced.
"""

ITEMS = [
    (
        "Quale nervo innerva il muscolo deltoide?",
        "Nervo ascellare",
        ["Nervo radiale", "Nervo muscolocutaneo", "Nervo soprascapolare"],
    ),
    (
        "Quale enzima è carente nella fenilchetonuria classica?",
        "Fenilalanina idrossilasi",
        ["Tirosinasi", "Omogentisato ossidasi", "Cistationina beta-sintasi"],
    ),
    (
        "Il farmaco di prima scelta nello shock anafilattico è:",
        "Adrenalina intramuscolo",
        ["Idrocortisone endovena", "Clorfenamina endovena", "Salbutamolo per aerosol"],
    ),
    (
        "Quale vitamina è necessaria per la gamma-carbossilazione dei fattori II, VII, IX e X?",
        "Vitamina K",
        ["Vitamina C", "Vitamina B6", "Vitamina E"],
    ),
    (
        "L'agente eziologico della sifilide è:",
        "Treponema pallidum",
        ["Chlamydia trachomatis", "Neisseria gonorrhoeae", "Haemophilus ducreyi"],
    ),
    (
        "Quale cellula produce il surfattante polmonare?",
        "Pneumocita di tipo II",
        ["Pneumocita di tipo I", "Macrofago alveolare", "Cellula caliciforme"],
    ),
    (
        "L'antidoto dell'intossicazione da paracetamolo è:",
        "N-acetilcisteina",
        ["Naloxone", "Flumazenil", "Deferoxamina"],
    ),
    (
        "Quale ormone è prodotto dalle cellule beta delle isole pancreatiche?",
        "Insulina",
        ["Glucagone", "Somatostatina", "Polipeptide pancreatico"],
    ),
    ("Il segno di Trousseau è tipico di:", "Ipocalcemia", ["Ipercalcemia", "Ipokaliemia", "Ipermagnesiemia"]),
    (
        "Quale valvola cardiaca è più frequentemente colpita dalla cardiopatia reumatica?",
        "Mitrale",
        ["Aortica", "Tricuspide", "Polmonare"],
    ),
    ("La malattia di Wilson è dovuta all'accumulo di:", "Rame", ["Ferro", "Piombo", "Zinco"]),
    (
        "Quale farmaco antitubercolare colora di arancione urine e lacrime?",
        "Rifampicina",
        ["Isoniazide", "Etambutolo", "Pirazinamide"],
    ),
    (
        "Quale arteria è più spesso responsabile dell'ematoma epidurale?",
        "Arteria meningea media",
        ["Arteria cerebrale media", "Arteria comunicante anteriore", "Arteria basilare"],
    ),
    (
        "Quale marcatore tumorale si usa nel follow-up del carcinoma del colon-retto?",
        "CEA",
        ["CA 125", "Alfa-fetoproteina", "PSA"],
    ),
    (
        "La soglia di glicemia a digiuno per la diagnosi di diabete mellito, confermata in due occasioni, è:",
        "126 mg/dL",
        ["100 mg/dL", "110 mg/dL", "140 mg/dL"],
    ),
    (
        "Quale dei seguenti è un inibitore della pompa protonica?",
        "Omeprazolo",
        ["Ranitidina", "Sucralfato", "Misoprostolo"],
    ),
    (
        "L'osso del carpo più frequentemente fratturato è:",
        "Scafoide",
        ["Semilunare", "Uncinato", "Piramidale"],
    ),
    (
        "Quali virus sono associati alla maggior parte dei carcinomi della cervice uterina?",
        "Papillomavirus umano (HPV) di tipo 16 e 18",
        ["Virus di Epstein-Barr", "Herpes simplex di tipo 2", "Citomegalovirus"],
    ),
    (
        "Il farmaco di scelta per l'attacco di emicrania moderato-severo è:",
        "Sumatriptan",
        ["Propranololo", "Topiramato", "Amitriptilina"],
    ),
    (
        "Quale tipo di ipersensibilità è responsabile della dermatite allergica da contatto?",
        "Tipo IV, cellulo-mediata ritardata",
        ["Tipo I, IgE-mediata", "Tipo II, citotossica", "Tipo III, da immunocomplessi"],
    ),
    (
        "La triade di Beck (ipotensione, turgore giugulare, toni cardiaci ovattati) indica:",
        "Tamponamento cardiaco",
        ["Pneumotorace iperteso", "Embolia polmonare massiva", "Infarto del ventricolo destro"],
    ),
    (
        "Quale ione entra nella cellula nella fase 0 del potenziale d'azione del miocardio ventricolare?",
        "Sodio",
        ["Potassio", "Calcio", "Cloro"],
    ),
    (
        "La causa più frequente di ipotiroidismo nelle aree con adeguato apporto di iodio è:",
        "Tiroidite di Hashimoto",
        ["Tiroidite di de Quervain", "Carenza iodica", "Tiroidite di Riedel"],
    ),
    (
        "Il batterio più frequentemente responsabile delle infezioni urinarie non complicate è:",
        "Escherichia coli",
        ["Proteus mirabilis", "Klebsiella pneumoniae", "Enterococcus faecalis"],
    ),
    (
        "Quale antiepilettico è controindicato in gravidanza per l'elevato rischio di malformazioni?",
        "Acido valproico",
        ["Lamotrigina", "Levetiracetam", "Gabapentin"],
    ),
    (
        "Il principale muscolo inspiratorio a riposo è:",
        "Diaframma",
        ["Muscoli intercostali interni", "Sternocleidomastoideo", "Retto dell'addome"],
    ),
    ("Il cariotipo tipico della sindrome di Turner è:", "45,X", ["47,XXY", "47,XX,+21", "46,XY"]),
    (
        "Quale farmaco è un antagonista del recettore dei mineralcorticoidi?",
        "Spironolattone",
        ["Furosemide", "Idroclorotiazide", "Amiloride"],
    ),
    (
        "Il linfoma di Hodgkin è caratterizzato istologicamente dalla presenza di:",
        "Cellule di Reed-Sternberg",
        ["Corpi di Auer", "Cellule di Sézary", "Corpi di Mallory"],
    ),
    (
        "L'emoglobina glicata riflette la glicemia media dei precedenti:",
        "2-3 mesi",
        ["7 giorni", "2 settimane", "12 mesi"],
    ),
    (
        "Quale anestetico locale appartiene al gruppo degli esteri?",
        "Procaina",
        ["Lidocaina", "Bupivacaina", "Ropivacaina"],
    ),
    ("Il riflesso rotuleo esplora i segmenti midollari:", "L2-L4", ["S1-S2", "C5-C6", "C7-C8"]),
    (
        "Quale antibiotico agisce legando la subunità 30S del ribosoma batterico?",
        "Gentamicina",
        ["Eritromicina", "Clindamicina", "Linezolid"],
    ),
    (
        "La malattia celiaca è associata principalmente agli aplotipi:",
        "HLA-DQ2 e HLA-DQ8",
        ["HLA-B27", "HLA-B51", "HLA-A3"],
    ),
    (
        "Il segno di Babinski indica una lesione:",
        "Del primo motoneurone (via piramidale)",
        ["Del secondo motoneurone", "Del cervelletto", "Della giunzione neuromuscolare"],
    ),
    (
        "Quale farmaco neutralizza l'effetto dell'eparina non frazionata?",
        "Protamina solfato",
        ["Vitamina K", "Idarucizumab", "Acido tranexamico"],
    ),
    (
        "L'emogasanalisi di un paziente con vomito incoercibile mostra tipicamente:",
        "Alcalosi metabolica ipocloremica",
        [
            "Acidosi metabolica con gap anionico aumentato",
            "Acidosi respiratoria",
            "Acidosi metabolica ipercloremica",
        ],
    ),
    (
        "Quale struttura attraversa il tunnel carpale?",
        "Nervo mediano",
        ["Nervo ulnare", "Arteria radiale", "Nervo radiale"],
    ),
    ("Il vaccino contro la tubercolosi è il:", "BCG", ["MPR", "DTaP", "Sabin"]),
    (
        "La tetralogia di Fallot comprende difetto interventricolare, stenosi polmonare, aorta a cavaliere e:",
        "Ipertrofia ventricolare destra",
        ["Ipertrofia ventricolare sinistra", "Difetto interatriale", "Coartazione aortica"],
    ),
    (
        "Quale leucocita aumenta tipicamente nelle parassitosi da elminti?",
        "Eosinofilo",
        ["Basofilo", "Monocita", "Neutrofilo"],
    ),
    (
        "L'ormone antidiuretico agisce principalmente a livello del:",
        "Dotto collettore",
        ["Tubulo contorto prossimale", "Ramo ascendente spesso dell'ansa di Henle", "Glomerulo"],
    ),
    (
        "Il farmaco di prima scelta nella sifilide primaria è:",
        "Penicillina G benzatina",
        ["Ciprofloxacina", "Vancomicina", "Fluconazolo"],
    ),
    (
        "Quale complicanza è tipica della parotite epidemica nel maschio dopo la pubertà?",
        "Orchite",
        ["Glomerulonefrite", "Endocardite", "Epatite fulminante"],
    ),
    (
        "La scala di Glasgow valuta l'apertura degli occhi, la risposta verbale e la:",
        "Risposta motoria",
        ["Reattività pupillare", "Frequenza respiratoria", "Pressione arteriosa"],
    ),
    (
        "Quale antidiabetico orale può causare acidosi lattica, soprattutto nell'insufficienza renale grave?",
        "Metformina",
        ["Gliclazide", "Sitagliptin", "Pioglitazone"],
    ),
    (
        "Quale nervo cranico innerva il muscolo obliquo superiore dell'occhio?",
        "Nervo trocleare (IV)",
        ["Nervo oculomotore (III)", "Nervo abducente (VI)", "Nervo trigemino (V)"],
    ),
    (
        "L'anemia falciforme è causata da una mutazione puntiforme nel gene della:",
        "Catena beta della globina",
        ["Catena alfa della globina", "Spectrina", "Glucosio-6-fosfato deidrogenasi"],
    ),
]
