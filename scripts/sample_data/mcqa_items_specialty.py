"""Specialty-admission-exam (SSM) style questions written for the project: (question, correct, four distractors).

In the style of the Italian national exam for the medical specialty schools (as IMB-MCQA), across specialties,
invented for the project. The first 20 go to train, the rest to test; mcqa_build.py places the correct answer so
the letters come out balanced.
"""

ITEMS = [
    (
        "Quale dei seguenti farmaci ha dimostrato di ridurre la mortalità nello scompenso cardiaco a frazione di "
        "eiezione ridotta?",
        "Sacubitril/valsartan",
        ["Digossina", "Furosemide", "Amlodipina", "Diltiazem"],
    ),
    (
        "Nella BPCO con insufficienza respiratoria cronica ipossiemica, quale intervento ha dimostrato di aumentare "
        "la sopravvivenza?",
        "Ossigenoterapia a lungo termine per almeno 15 ore al giorno",
        [
            "Corticosteroidi orali a lungo termine",
            "Teofillina",
            "Mucolitici",
            "Antibiotici in profilassi continua",
        ],
    ),
    (
        "In Italia, in assenza di un test di sensibilità agli antibiotici, quale schema è raccomandato in prima "
        "linea per l'eradicazione di Helicobacter pylori?",
        "Quadruplice terapia con bismuto per 10 giorni",
        [
            "Monoterapia con claritromicina",
            "Inibitore di pompa protonica da solo per 4 settimane",
            "Amoxicillina da sola per 5 giorni",
            "Metronidazolo e ranitidina per 7 giorni",
        ],
    ),
    (
        "Nel sospetto di feocromocitoma, quale è l'esame biochimico di primo livello?",
        "Metanefrine plasmatiche libere o urinarie frazionate",
        [
            "Cortisolo libero urinario delle 24 ore",
            "Renina e aldosterone plasmatici",
            "Calcitonina sierica",
            "Test di soppressione con desametasone",
        ],
    ),
    (
        "Quale dei seguenti reperti è tipico della malattia di Parkinson idiopatica all'esordio?",
        "Tremore a riposo asimmetrico",
        [
            "Tremore intenzionale",
            "Fascicolazioni diffuse",
            "Paralisi dello sguardo verticale",
            "Grave disautonomia con ipotensione ortostatica",
        ],
    ),
    (
        "Quale è la terapia empirica di prima scelta della polmonite acquisita in comunità in un adulto giovane "
        "senza comorbilità, trattato a domicilio?",
        "Amoxicillina ad alte dosi",
        ["Vancomicina endovena", "Meropenem", "Linezolid", "Fluconazolo"],
    ),
    (
        "Quale dei seguenti quadri è tipico della sindrome nefritica?",
        "Ematuria con cilindri eritrocitari, ipertensione e oliguria",
        [
            "Proteinuria superiore a 3,5 g/24 h con ipoalbuminemia e normale sedimento",
            "Glicosuria con glicemia normale",
            "Poliuria con urine ipotoniche",
            "Leucocituria sterile isolata",
        ],
    ),
    (
        "La traslocazione t(9;22) con il gene di fusione BCR-ABL1 è caratteristica della:",
        "Leucemia mieloide cronica",
        ["Leucemia promielocitica acuta", "Linfoma follicolare", "Linfoma di Burkitt", "Linfoma mantellare"],
    ),
    (
        "Quale è il principale fattore di rischio per il carcinoma squamoso dell'esofago nei Paesi occidentali?",
        "Fumo di tabacco e consumo di alcol",
        [
            "Malattia da reflusso gastroesofageo",
            "Infezione da Helicobacter pylori",
            "Obesità viscerale",
            "Esofago di Barrett",
        ],
    ),
    (
        "Quale autoanticorpo è più specifico per l'artrite reumatoide?",
        "Anticorpi anti-peptidi citrullinati (ACPA)",
        ["Fattore reumatoide IgM", "Anticorpi antinucleo (ANA)", "Anticorpi anti-Scl70", "ANCA"],
    ),
    (
        "Secondo le linee guida italiane, come si ricerca il diabete gestazionale nelle donne con fattori di "
        "rischio?",
        "Curva da carico orale con 75 g di glucosio tra la 24a e la 28a settimana",
        [
            "Emoglobina glicata al primo trimestre come unico esame",
            "Glicosuria sulle urine del mattino",
            "Glicemia casuale alla 36a settimana",
            "Curva da carico con 100 g di glucosio alla 10a settimana",
        ],
    ),
    (
        "A che età il calendario vaccinale italiano prevede la prima dose del vaccino contro morbillo, parotite, "
        "rosolia e varicella?",
        "Tra il 13° e il 15° mese",
        ["Alla nascita", "Al 3° mese", "A 6 anni", "A 12 anni"],
    ),
    (
        "Quale antipsicotico richiede il monitoraggio periodico dell'emocromo per il rischio di agranulocitosi?",
        "Clozapina",
        ["Aripiprazolo", "Aloperidolo", "Risperidone", "Quetiapina"],
    ),
    (
        "La lesione elementare tipica della psoriasi volgare è:",
        "Placca eritematosa ben delimitata con squame argentee",
        [
            "Vescicola a contenuto emorragico",
            "Pomfo evanescente",
            "Bolla tesa su cute eritematosa",
            "Papula ombelicata perlacea",
        ],
    ),
    (
        "Il segno di Blumberg positivo indica:",
        "Irritazione peritoneale",
        [
            "Ostruzione intestinale meccanica",
            "Ernia inguinale strozzata",
            "Pancreatite cronica",
            "Colica renale",
        ],
    ),
    (
        "Quale farmaco antagonizza in modo specifico il blocco neuromuscolare da rocuronio?",
        "Sugammadex",
        ["Naloxone", "Flumazenil", "Dantrolene", "Atropina"],
    ),
    (
        "Nell'arresto cardiaco dell'adulto con ritmo defibrillabile, secondo le linee guida ERC, quando si "
        "somministra la prima dose di adrenalina?",
        "Dopo il terzo shock",
        [
            "Prima del primo shock",
            "Dopo il primo shock",
            "Dopo il quinto shock",
            "Mai, nei ritmi defibrillabili",
        ],
    ),
    (
        "Il test di Lachman valuta l'integrità del:",
        "Legamento crociato anteriore",
        [
            "Legamento crociato posteriore",
            "Menisco mediale",
            "Legamento collaterale mediale",
            "Tendine rotuleo",
        ],
    ),
    (
        "Quale è la principale causa di cecità irreversibile negli anziani nei Paesi industrializzati?",
        "Degenerazione maculare legata all'età",
        ["Cataratta senile", "Tracoma", "Cheratocono", "Congiuntivite cronica"],
    ),
    (
        "La vertigine parossistica posizionale benigna del canale semicircolare posteriore si diagnostica con:",
        "Manovra di Dix-Hallpike",
        ["Test di Rinne", "Test di Weber", "Manovra di Valsalva", "Audiometria tonale"],
    ),
    (
        "Quale farmaco riduce il volume prostatico nell'ipertrofia prostatica benigna?",
        "Finasteride",
        ["Tamsulosina", "Ossibutinina", "Desmopressina", "Trimetoprim"],
    ),
    (
        "Quale scala si usa per lo screening del deterioramento cognitivo nell'anziano?",
        "Mini-Mental State Examination",
        ["Scala di Braden", "Indice di Barthel", "Glasgow Coma Scale", "Scala di Borg"],
    ),
    (
        "L'esposizione professionale all'amianto è associata soprattutto a:",
        "Mesotelioma pleurico",
        ["Silicosi", "Carcinoma della vescica", "Angiosarcoma epatico", "Leucemia mieloide acuta"],
    ),
    (
        "Lo screening organizzato del carcinoma del colon-retto in Italia prevede, nella fascia 50-69 anni:",
        "Ricerca del sangue occulto fecale ogni due anni",
        [
            "Colonscopia annuale",
            "Dosaggio annuale del CEA",
            "TC addome ogni cinque anni",
            "Clisma opaco ogni tre anni",
        ],
    ),
    (
        "Quale anticoagulante orale è un inibitore diretto della trombina?",
        "Dabigatran",
        ["Rivaroxaban", "Apixaban", "Warfarin", "Clopidogrel"],
    ),
    (
        "Il carcinoma papillare della tiroide è caratterizzato istologicamente da:",
        "Nuclei 'a vetro smerigliato' con pseudoinclusi e corpi psammomatosi",
        [
            "Stroma ricco di amiloide",
            "Cellule giganti multinucleate e necrosi estesa",
            "Invasione capsulare senza alterazioni nucleari",
            "Cellule di Reed-Sternberg",
        ],
    ),
    (
        "Quale microrganismo causa più spesso endocardite infettiva della tricuspide nei tossicodipendenti per "
        "via endovenosa?",
        "Staphylococcus aureus",
        [
            "Streptococcus gallolyticus",
            "Enterococcus faecalis",
            "Coxiella burnetii",
            "Cardiobacterium hominis",
        ],
    ),
    (
        "In condizioni fisiologiche, la maggior parte del sodio filtrato viene riassorbita nel:",
        "Tubulo contorto prossimale",
        [
            "Ramo discendente dell'ansa di Henle",
            "Tubulo contorto distale",
            "Dotto collettore corticale",
            "Glomerulo",
        ],
    ),
    (
        "Quale enzima è più specifico del danno epatocellulare?",
        "Alanina aminotransferasi (ALT)",
        ["Aspartato aminotransferasi (AST)", "Creatinchinasi", "Lattato deidrogenasi", "Amilasi"],
    ),
    (
        "Dopo il morso di un animale sospetto di rabbia, la profilassi post-esposizione prevede:",
        "Lavaggio della ferita, vaccino e, secondo la categoria di esposizione, immunoglobuline antirabbiche",
        [
            "Soltanto una terapia antibiotica",
            "Soltanto il richiamo antitetanico",
            "Aciclovir per dieci giorni",
            "Nessun trattamento se l'animale non è reperibile",
        ],
    ),
    (
        "La triade di Hakim (disturbo della marcia, deterioramento cognitivo, incontinenza urinaria) suggerisce:",
        "Idrocefalo normoteso",
        ["Malattia di Alzheimer", "Sclerosi multipla", "Ematoma subdurale acuto", "Neurinoma dell'acustico"],
    ),
    (
        "La dissezione aortica di tipo A secondo Stanford richiede di norma:",
        "Intervento chirurgico in urgenza",
        [
            "Solo terapia antipertensiva",
            "Trombolisi sistemica",
            "Anticoagulazione con eparina",
            "Controllo TC a tre mesi",
        ],
    ),
    (
        "Per la maggior parte degli adulti non fragili con diabete di tipo 2, il target di emoglobina glicata "
        "raccomandato è:",
        "Inferiore al 7% (53 mmol/mol)",
        ["Inferiore al 5%", "Inferiore al 9%", "Inferiore al 10%", "Inferiore al 4%"],
    ),
    (
        "Quale reperto suggerisce una causa prerenale di insufficienza renale acuta?",
        "Frazione di escrezione del sodio inferiore all'1%",
        [
            "Cilindri granulosi 'marrone fangoso'",
            "Frazione di escrezione del sodio superiore al 2%",
            "Osmolalità urinaria inferiore a 350 mOsm/kg",
            "Cilindri leucocitari",
        ],
    ),
    (
        "Il più frequente agente eziologico della bronchiolite nel lattante è:",
        "Virus respiratorio sinciziale",
        ["Adenovirus", "Mycoplasma pneumoniae", "Bordetella pertussis", "Streptococcus pyogenes"],
    ),
    (
        "Quale è il principale fattore di rischio per il carcinoma endometrioide dell'endometrio?",
        "Esposizione a estrogeni non bilanciata dal progesterone",
        [
            "Infezione da HPV",
            "Multiparità",
            "Uso di contraccettivi estroprogestinici",
            "Allattamento prolungato",
        ],
    ),
    (
        "Nell'anemia emolitica autoimmune da anticorpi caldi, il test di Coombs diretto è tipicamente positivo per:",
        "IgG, con o senza C3",
        ["Soltanto IgM", "IgE", "IgA isolate", "Nessuna immunoglobulina"],
    ),
    (
        "Quale farmaco è di prima scelta nella nevralgia trigeminale classica?",
        "Carbamazepina",
        ["Paracetamolo", "Sumatriptan", "Aciclovir", "Metoclopramide"],
    ),
    (
        "Secondo le raccomandazioni GINA, negli adolescenti e negli adulti con asma il farmaco al bisogno "
        "preferito è:",
        "Budesonide-formoterolo a basse dosi",
        ["Salbutamolo da solo", "Teofillina a lento rilascio", "Montelukast", "Prednisone per via orale"],
    ),
    (
        "Quale marcatore permette di diagnosticare un'epatite B acuta nel 'periodo finestra', quando HBsAg è già "
        "negativo e anti-HBs non ancora positivo?",
        "IgM anti-HBc",
        ["Anti-HBs", "HBeAg", "Anti-HDV", "IgG anti-HAV"],
    ),
    (
        "Quale è il trattamento di scelta della colecistite acuta litiasica in un paziente operabile?",
        "Colecistectomia laparoscopica precoce",
        [
            "Terapia litolitica con acido ursodesossicolico",
            "ERCP con sfinterotomia come unico trattamento",
            "Sola terapia antibiotica senza intervento",
            "Colecistectomia dopo almeno sei mesi",
        ],
    ),
    (
        "Secondo il codice di procedura penale, il medico deve presentare il referto all'autorità giudiziaria:",
        "Entro 48 ore o, se vi è pericolo nel ritardo, immediatamente",
        ["Entro 24 ore in ogni caso", "Entro 7 giorni", "Entro 30 giorni", "Solo su richiesta del paziente"],
    ),
    (
        "Quale esame è di prima scelta per la diagnosi di emorragia cerebrale acuta?",
        "TC encefalo senza mezzo di contrasto",
        ["Radiografia del cranio", "Ecografia transcranica", "PET cerebrale", "Elettroencefalogramma"],
    ),
    (
        "La causa più frequente di iperaldosteronismo primario è:",
        "Iperplasia surrenalica bilaterale idiopatica",
        [
            "Carcinoma surrenalico",
            "Iperaldosteronismo sensibile ai glucocorticoidi",
            "Stenosi dell'arteria renale",
            "Tumore secernente renina",
        ],
    ),
    (
        "Quale punteggio stima il rischio tromboembolico nella fibrillazione atriale non valvolare?",
        "CHA2DS2-VASc",
        ["HAS-BLED", "Score di Wells", "CURB-65", "Child-Pugh"],
    ),
    (
        "Quale è la terapia di scelta della neurosifilide?",
        "Penicillina G cristallina endovena",
        [
            "Penicillina G benzatina intramuscolo in dose singola",
            "Azitromicina in dose singola",
            "Ciprofloxacina per via orale",
            "Fluconazolo endovena",
        ],
    ),
    (
        "Quale è la causa più frequente di malattia renale cronica terminale nei Paesi occidentali?",
        "Nefropatia diabetica",
        ["Rene policistico autosomico dominante", "Nefropatia a IgA", "Nefrite lupica", "Sindrome di Alport"],
    ),
    (
        "Quale dei seguenti tumori è associato all'infezione da virus di Epstein-Barr?",
        "Carcinoma indifferenziato del rinofaringe",
        [
            "Sarcoma di Kaposi",
            "Carcinoma epatocellulare",
            "Carcinoma della cervice uterina",
            "Leucemia/linfoma a cellule T dell'adulto",
        ],
    ),
    (
        "Il deficit di quali componenti del complemento predispone a infezioni ricorrenti da Neisseria?",
        "Componenti terminali C5-C9",
        ["C1-inibitore", "C1q", "CD55 e CD59", "C4"],
    ),
    (
        "In uno studio clinico, il numero di pazienti da trattare (NNT) corrisponde a:",
        "L'inverso della riduzione assoluta del rischio",
        [
            "L'inverso del rischio relativo",
            "Il rapporto tra odds ratio e rischio relativo",
            "La differenza tra sensibilità e specificità",
            "L'inverso della riduzione relativa del rischio",
        ],
    ),
]
