"""MedQA-style clinical vignettes written for the project: (question, correct answer, four distractors).

USMLE-style cases in Italian, invented (no patient data, nothing copied from a question bank). The first 20 go to
train, the rest to test; mcqa_build.py places the correct answer so the letters come out balanced.
"""

ITEMS = [
    (
        "Un uomo di 62 anni, fumatore e iperteso, giunge in pronto soccorso per dolore toracico oppressivo insorto "
        "da 40 minuti, irradiato alla mandibola, con sudorazione profusa e nausea. PA 100/60 mmHg, FC 52 bpm. "
        "L'ECG mostra sopraslivellamento del tratto ST in DII, DIII e aVF con sottoslivellamento speculare in DI "
        "e aVL. Quale arteria coronaria è più probabilmente occlusa?",
        "Arteria coronaria destra",
        [
            "Arteria discendente anteriore",
            "Arteria circonflessa",
            "Tronco comune della coronaria sinistra",
            "Primo ramo diagonale",
        ],
    ),
    (
        "Un ragazzo di 19 anni viene portato in pronto soccorso dopo un incidente motociclistico. È agitato e "
        "dispnoico, PA 78/40 mmHg, FC 130 bpm, SpO2 84%. All'esame obiettivo si rilevano turgore delle giugulari, "
        "trachea deviata verso sinistra, assenza del murmure vescicolare e iperfonesi plessica nell'emitorace "
        "destro. Quale è il provvedimento immediato più appropriato?",
        "Decompressione immediata con ago dell'emitorace destro",
        [
            "Radiografia del torace in urgenza",
            "Pericardiocentesi",
            "Intubazione orotracheale e ventilazione a pressione positiva",
            "Infusione rapida di 2 litri di cristalloidi come unica misura",
        ],
    ),
    (
        "Una ragazza di 16 anni viene condotta in pronto soccorso per dolore addominale, vomito e sonnolenza. Da "
        "alcune settimane la madre ha notato sete intensa, poliuria e calo ponderale. Il respiro è profondo e "
        "frequente, con alito fruttato. Glicemia 480 mg/dL, pH 7,12, bicarbonati 9 mEq/L, potassio 5,6 mEq/L, "
        "chetonuria marcata. Dopo l'avvio dell'idratazione endovenosa, quale terapia è indicata?",
        "Insulina rapida in infusione endovenosa continua",
        [
            "Bicarbonato di sodio endovena",
            "Metformina per via orale",
            "Glucagone intramuscolo",
            "Insulina glargine sottocute come unica terapia",
        ],
    ),
    (
        "Una donna di 29 anni lamenta da un anno astenia, gonfiore addominale e diarrea intermittente; riferisce "
        "afte orali ricorrenti. Gli esami mostrano anemia microcitica con ferritina bassa che non risponde al "
        "ferro per os. In anamnesi tiroidite di Hashimoto. Non assume farmaci e non ha perdite ematiche evidenti. "
        "Quale esame sierologico è più indicato come primo passo diagnostico?",
        "Anticorpi anti-transglutaminasi tissutale IgA con dosaggio delle IgA totali",
        [
            "Anticorpi anti-Saccharomyces cerevisiae (ASCA)",
            "Anticorpi anti-mitocondrio",
            "Calprotectina fecale",
            "Anticorpi anti-cellule parietali gastriche",
        ],
    ),
    (
        "Un uomo di 70 anni con fibrillazione atriale non in terapia anticoagulante viene portato in pronto "
        "soccorso 90 minuti dopo l'esordio improvviso di emiparesi destra e afasia. PA 170/95 mmHg, glicemia "
        "130 mg/dL, nessun intervento chirurgico o sanguinamento recente. La TC encefalo senza mezzo di contrasto "
        "non mostra emorragia né ipodensità estese. Quale è la terapia più appropriata?",
        "Trombolisi endovenosa con alteplase",
        [
            "Eparina non frazionata a dose piena",
            "Acido acetilsalicilico e osservazione per 24 ore",
            "Riduzione della pressione arteriosa sotto 120/80 mmHg",
            "Mannitolo endovena",
        ],
    ),
    (
        "Uno studente universitario di 19 anni che vive in collegio presenta da 12 ore febbre a 39,8 °C, cefalea "
        "intensa, vomito e rigidità nucale. All'esame obiettivo si osserva un esantema petecchiale agli arti "
        "inferiori. Il liquor è torbido, con 2.500 leucociti/µL prevalentemente neutrofili, glucorrachia ridotta "
        "e proteine elevate. Quale è l'agente eziologico più probabile?",
        "Neisseria meningitidis",
        [
            "Listeria monocytogenes",
            "Virus herpes simplex di tipo 1",
            "Cryptococcus neoformans",
            "Mycobacterium tuberculosis",
        ],
    ),
    (
        "Un uomo di 34 anni di origine calabrese, asintomatico, esegue esami di routine per l'idoneità sportiva: "
        "Hb 11,9 g/dL, MCV 63 fL, globuli rossi 6,1 milioni/µL, RDW nella norma, ferritina 180 ng/mL. Non "
        "riferisce perdite ematiche e l'esame obiettivo è negativo. Quale esame è più utile per confermare il "
        "sospetto diagnostico?",
        "Elettroforesi dell'emoglobina con dosaggio dell'HbA2",
        [
            "Test di Coombs diretto",
            "Biopsia osteomidollare",
            "Dosaggio della vitamina B12 e dei folati",
            "Ricerca del sangue occulto fecale",
        ],
    ),
    (
        "Un uomo di 68 anni con insufficienza renale cronica, in terapia con ramipril e spironolattone, viene "
        "inviato in pronto soccorso per astenia marcata. Il potassio sierico è 7,1 mEq/L (campione non emolizzato) "
        "e l'ECG mostra onde T alte e appuntite con allargamento del QRS. Quale è il primo provvedimento "
        "terapeutico?",
        "Calcio gluconato endovena",
        [
            "Resina a scambio ionico per via orale",
            "Furosemide endovena come unica terapia",
            "Infusione di soluzione di Ringer lattato",
            "Sospensione del ramipril e controllo a 48 ore",
        ],
    ),
    (
        "Un uomo di 55 anni, obeso e forte consumatore di birra, si sveglia nella notte con dolore violento, "
        "tumefazione e arrossamento della prima articolazione metatarso-falangea sinistra. Da una settimana "
        "assume idroclorotiazide per ipertensione. L'artrocentesi mostra cristalli aghiformi con birifrangenza "
        "negativa alla luce polarizzata. Quale farmaco è indicato per trattare la crisi acuta?",
        "Colchicina a basso dosaggio",
        [
            "Allopurinolo ad alte dosi come unica terapia",
            "Probenecid",
            "Rasburicase",
            "Aumento della dose di idroclorotiazide",
        ],
    ),
    (
        "Una donna di 32 anni, primigravida, alla 34a settimana di gestazione riferisce cefalea intensa e "
        "scotomi scintillanti. La PA è 168/112 mmHg in due misurazioni, la proteinuria 3 g/24 h, le piastrine "
        "140.000/µL; i riflessi osteotendinei sono vivaci. Oltre al controllo della pressione arteriosa, quale "
        "farmaco va somministrato per prevenire le convulsioni?",
        "Solfato di magnesio",
        ["Diazepam", "Fenitoina", "Levetiracetam", "Nifedipina"],
    ),
    (
        "Un bambino di 10 mesi presenta da alcune ore episodi di pianto inconsolabile con flessione delle gambe "
        "sull'addome, alternati a periodi di apatia. Ha vomitato due volte e ha emesso feci miste a muco e sangue "
        "'a gelatina di ribes'. Alla palpazione si apprezza una massa allungata nel quadrante superiore destro. "
        "Quale è la diagnosi più probabile?",
        "Invaginazione intestinale",
        [
            "Stenosi ipertrofica del piloro",
            "Diverticolo di Meckel sanguinante",
            "Volvolo del sigma",
            "Malattia di Hirschsprung",
        ],
    ),
    (
        "Una donna di 45 anni con disturbo bipolare, in terapia con litio da anni con livelli sempre nel range "
        "terapeutico, ha iniziato due settimane fa idroclorotiazide per ipertensione. Viene portata in pronto "
        "soccorso per tremore grossolano, atassia, confusione e diarrea. Non ha febbre né rigidità muscolare. "
        "Quale è la causa più probabile del quadro?",
        "Intossicazione da litio per ridotta clearance renale",
        [
            "Sindrome serotoninergica",
            "Sindrome neurolettica maligna",
            "Iponatriemia da polidipsia psicogena",
            "Episodio maniacale con caratteristiche psicotiche",
        ],
    ),
    (
        "Un uomo di 48 anni si presenta per una lesione pigmentata del dorso comparsa da un anno, asimmetrica, a "
        "bordi irregolari, con diverse tonalità di marrone e nero e un diametro di 9 mm; di recente ha "
        "sanguinato. La biopsia escissionale conferma un melanoma cutaneo. Quale parametro istologico è il "
        "principale fattore prognostico del tumore primitivo?",
        "Spessore di Breslow",
        [
            "Livello di Clark",
            "Diametro clinico della lesione",
            "Grado di pigmentazione",
            "Presenza di infiltrato linfocitario",
        ],
    ),
    (
        "Una donna di 74 anni in terapia con warfarin per fibrillazione atriale, con INR stabile tra 2 e 3, "
        "viene trattata per una cistite con trimetoprim-sulfametossazolo. Dopo cinque giorni compaiono ecchimosi "
        "diffuse e gengivorragia; l'INR è 7,8. Non ha modificato la dieta né altri farmaci. Quale meccanismo "
        "spiega meglio l'interazione?",
        "Inibizione del CYP2C9 con ridotto metabolismo del warfarin",
        [
            "Induzione del CYP3A4",
            "Aumento della sintesi epatica dei fattori della coagulazione",
            "Ridotto assorbimento intestinale del warfarin",
            "Aumento dell'escrezione renale del warfarin",
        ],
    ),
    (
        "Una donna di 45 anni, obesa, riferisce da 24 ore dolore continuo in ipocondrio destro irradiato alla "
        "scapola destra, febbre a 38,4 °C e nausea. Alla palpazione profonda in ipocondrio destro la paziente "
        "interrompe l'inspirazione. Leucociti 14.800/µL; bilirubina, transaminasi e lipasi nella norma. Quale è "
        "l'esame di imaging di prima scelta?",
        "Ecografia addominale",
        [
            "Colangio-risonanza magnetica",
            "Colangiopancreatografia retrograda endoscopica (ERCP)",
            "Radiografia diretta dell'addome",
            "Scintigrafia ossea",
        ],
    ),
    (
        "Un uomo di 38 anni riceve una nuova diagnosi di infezione da HIV dopo alcuni mesi di astenia e "
        "candidosi orale ricorrente. La conta dei linfociti T CD4+ è 150 cellule/µL, la carica virale elevata; "
        "non assume ancora alcuna terapia e non ha allergie note. Oltre all'avvio della terapia antiretrovirale, "
        "quale profilassi è indicata?",
        "Trimetoprim-sulfametossazolo per la polmonite da Pneumocystis jirovecii",
        [
            "Azitromicina per il Mycobacterium avium complex",
            "Fluconazolo per la criptococcosi",
            "Ganciclovir per il citomegalovirus",
            "Aciclovir per l'herpes simplex",
        ],
    ),
    (
        "Una donna di 35 anni che assume un contraccettivo estroprogestinico, rientrata due giorni prima da un "
        "volo intercontinentale, presenta dispnea improvvisa, dolore toracico puntorio e FC 118 bpm. PA 125/80 "
        "mmHg, SpO2 90% in aria ambiente. Il polpaccio sinistro è tumefatto e dolente. Quale esame è più "
        "indicato per confermare la diagnosi?",
        "Angio-TC del torace",
        [
            "Dosaggio del D-dimero come unico esame",
            "Radiografia del torace",
            "Ecocardiogramma transesofageo",
            "Coronarografia",
        ],
    ),
    (
        "Una donna di 40 anni lamenta da mesi astenia marcata, calo ponderale, nausea, desiderio di cibi salati e "
        "capogiri in ortostatismo. PA 95/60 mmHg in clinostatismo e 80/50 mmHg in ortostatismo. Si nota "
        "iperpigmentazione delle pieghe palmari e della mucosa orale. Esami: "
        "sodio 128 mEq/L, potassio 5,7 mEq/L, glicemia 65 mg/dL. Quale è la diagnosi più probabile?",
        "Insufficienza surrenalica primitiva (morbo di Addison)",
        [
            "Sindrome di Cushing",
            "Iperaldosteronismo primario",
            "Insufficienza surrenalica secondaria da deficit di ACTH",
            "Sindrome da inappropriata secrezione di ADH",
        ],
    ),
    (
        "Un uomo di 78 anni riferisce due episodi di sincope durante lo sforzo e dispnea ingravescente da alcuni "
        "mesi. All'auscultazione si apprezza un soffio sistolico eiettivo 4/6 al focolaio aortico irradiato ai "
        "vasi del collo, con componente aortica del secondo tono ridotta. Il polso carotideo è piccolo e tardivo. "
        "Quale è la diagnosi più probabile?",
        "Stenosi aortica calcifica degenerativa",
        [
            "Insufficienza mitralica",
            "Insufficienza aortica",
            "Difetto del setto interatriale",
            "Pericardite costrittiva",
        ],
    ),
    (
        "Una donna di 28 anni riferisce da alcuni mesi diplopia e ptosi palpebrale che peggiorano la sera, "
        "difficoltà a masticare a fine pasto e debolezza delle braccia quando si pettina. Riflessi "
        "osteotendinei e sensibilità sono normali, le pupille reagiscono normalmente. Quale esame è più "
        "specifico per la diagnosi sospettata?",
        "Dosaggio degli anticorpi anti-recettore dell'acetilcolina",
        [
            "Dosaggio della creatinchinasi",
            "Risonanza magnetica encefalo",
            "Rachicentesi con ricerca di bande oligoclonali",
            "Biopsia del nervo surale",
        ],
    ),
    (
        "Un uomo di 56 anni con cirrosi epatica alcolica giunge in pronto soccorso per ematemesi abbondante. PA "
        "90/55 mmHg, FC 120 bpm, addome trattabile con ascite modesta. Dopo aver posizionato due accessi venosi "
        "di grosso calibro e avviato la rianimazione volemica, quale farmaco va somministrato prima "
        "dell'endoscopia?",
        "Un vasocostrittore splancnico (terlipressina o octreotide) endovena",
        [
            "Propranololo per via orale",
            "Vitamina K endovena come unica terapia",
            "Lattulosio per clistere",
            "Furosemide endovena",
        ],
    ),
    (
        "Un uomo di 42 anni giunge in pronto soccorso per dolore colico violento al fianco destro irradiato "
        "all'inguine e al testicolo omolaterale, con nausea; si muove continuamente senza trovare una posizione "
        "antalgica. L'esame delle urine mostra microematuria. È apiretico e la funzione renale è normale. Quale è "
        "l'esame di imaging più accurato per confermare la diagnosi?",
        "TC addome-pelvi senza mezzo di contrasto a basso dosaggio",
        [
            "Urografia endovenosa",
            "Cistoscopia",
            "Scintigrafia renale sequenziale",
            "Risonanza magnetica della colonna lombare",
        ],
    ),
    (
        "Un uomo di 25 anni con linfoma di Burkitt inizia la chemioterapia di induzione. Dopo 36 ore sviluppa "
        "oliguria, crampi muscolari e parestesie periorali. Esami: potassio 6,4 mEq/L, fosforo 8,9 mg/dL, calcio "
        "6,8 mg/dL, acido urico 14 mg/dL, creatinina 2,9 mg/dL (era 0,9 mg/dL all'inizio). Quale è la diagnosi "
        "più probabile?",
        "Sindrome da lisi tumorale",
        [
            "Sindrome da inappropriata secrezione di ADH",
            "Ipercalcemia neoplastica",
            "Sindrome emolitico-uremica",
            "Ipoparatiroidismo primario",
        ],
    ),
    (
        "Un bambino di 3 anni ha febbre elevata da 6 giorni che non risponde agli antipiretici. Presenta "
        "congiuntivite bilaterale non essudativa, labbra rosse e fissurate, lingua a fragola, esantema "
        "polimorfo al tronco, edema del dorso di mani e piedi e una linfoadenopatia laterocervicale di 2 cm. "
        "Quale terapia riduce il rischio della complicanza più temibile?",
        "Immunoglobuline endovena ad alte dosi con acido acetilsalicilico",
        [
            "Amoxicillina-acido clavulanico",
            "Paracetamolo ad alte dosi",
            "Aciclovir endovena",
            "Antistaminico per via orale",
        ],
    ),
    (
        "Una donna di 35 anni viene ricoverata per confusione, febbricola e petecchie. Esami: Hb 8,2 g/dL con "
        "schistociti allo striscio periferico, piastrine 18.000/µL, LDH molto elevata, bilirubina indiretta "
        "aumentata, aptoglobina indosabile, test di Coombs diretto negativo, creatinina 1,4 mg/dL; PT e aPTT "
        "nella norma. Quale è il trattamento di prima linea?",
        "Plasmaferesi (plasma-exchange) con corticosteroidi",
        [
            "Trasfusione di piastrine",
            "Splenectomia d'urgenza",
            "Eparina a basso peso molecolare",
            "Supplementazione di ferro endovena",
        ],
    ),
    (
        "Un uomo di 45 anni, senza fissa dimora, lamenta da due mesi tosse produttiva, sudorazioni notturne, "
        "febbricola serale e calo ponderale di 7 kg. La radiografia del torace mostra un'opacità escavata "
        "all'apice del lobo superiore destro. Quale esame permette di confermare la diagnosi di malattia "
        "attiva?",
        "Esame microscopico, colturale e molecolare dell'espettorato per micobatteri",
        [
            "Test cutaneo alla tubercolina (Mantoux)",
            "Dosaggio dell'interferone-gamma (IGRA)",
            "Emocolture seriate",
            "Sierologia per Aspergillus",
        ],
    ),
    (
        "Una donna di 64 anni, ipermetrope, dopo essere rimasta a lungo al buio in un cinema sviluppa dolore "
        "intenso all'occhio destro, cefalea, nausea, vomito e visione di aloni colorati attorno alle luci. "
        "L'occhio è arrossato, la cornea edematosa e la pupilla semidilatata e poco reagente alla luce. Quale è "
        "la diagnosi più probabile?",
        "Glaucoma acuto ad angolo chiuso",
        [
            "Congiuntivite batterica",
            "Emicrania con aura",
            "Distacco di retina",
            "Occlusione della vena centrale della retina",
        ],
    ),
    (
        "Un uomo di 39 anni si sveglia con l'impossibilità di chiudere l'occhio sinistro e di corrugare la fronte "
        "a sinistra; la rima buccale è deviata verso destra. Riferisce lieve dolore retroauricolare sinistro e "
        "alterazione del gusto. Non vi sono altri deficit neurologici né vescicole nel condotto uditivo. Quale è "
        "la terapia più appropriata?",
        "Prednisone per os entro 72 ore dall'esordio",
        [
            "Aciclovir endovena come unica terapia",
            "Trombolisi endovenosa",
            "Decompressione chirurgica del nervo faciale",
            "Tossina botulinica",
        ],
    ),
    (
        "In uno studio su un nuovo test rapido per lo streptococco beta-emolitico di gruppo A sono stati valutati "
        "200 bambini con faringite, usando la coltura del tampone faringeo come riferimento. Dei 50 bambini con "
        "coltura positiva, 45 risultano positivi al test; dei 150 con coltura negativa, 135 risultano negativi al "
        "test. Quale è la sensibilità del test?",
        "90%",
        ["75%", "96%", "80%", "67%"],
    ),
    (
        "Un agricoltore di 50 anni viene portato in pronto soccorso dopo aver irrorato un campo senza "
        "protezioni. Presenta scialorrea, lacrimazione, broncorrea con sibili diffusi, vomito, diarrea, miosi "
        "serrata, bradicardia e fascicolazioni muscolari. Quale farmaco va somministrato per primo, dopo la "
        "decontaminazione e la protezione delle vie aeree?",
        "Atropina endovena",
        ["Fisostigmina", "Naloxone", "Flumazenil", "N-acetilcisteina"],
    ),
    (
        "Un uomo di 27 anni riferisce da due giorni dolore toracico trafittivo che peggiora in posizione supina "
        "e con l'inspirazione profonda e migliora sporgendosi in avanti. Una settimana prima ha avuto una "
        "sindrome influenzale. All'auscultazione si apprezza uno sfregamento. L'ECG mostra sopraslivellamento "
        "diffuso del tratto ST con sottoslivellamento del PR. Quale è il trattamento di prima linea?",
        "FANS ad alte dosi associati a colchicina",
        [
            "Trombolisi endovenosa",
            "Angioplastica coronarica primaria",
            "Eparina non frazionata endovena",
            "Amiodarone endovena",
        ],
    ),
    (
        "Una donna di 32 anni riferisce tosse secca, dispnea da sforzo e noduli cutanei dolenti e arrossati "
        "sulla superficie anteriore delle gambe. La radiografia del torace mostra linfoadenopatia ilare "
        "bilaterale simmetrica; la calcemia è lievemente aumentata e l'ACE sierico è elevato. Quale reperto "
        "istologico è atteso alla biopsia di un linfonodo mediastinico?",
        "Granulomi epitelioidi non necrotizzanti",
        [
            "Granulomi con necrosi caseosa",
            "Cellule di Reed-Sternberg",
            "Metastasi di carcinoma a piccole cellule",
            "Vasculite necrotizzante dei piccoli vasi",
        ],
    ),
    (
        "Un bambino di 4 anni viene portato dal pediatra per edema palpebrale al risveglio e gonfiore delle "
        "caviglie comparsi da una settimana. Esami: proteinuria 4 g/24 h, albumina sierica 1,8 g/dL, colesterolo "
        "elevato, complemento normale; pressione arteriosa e funzione renale nella norma; sedimento urinario "
        "senza emazie. Quale è la diagnosi istologica più probabile?",
        "Malattia a lesioni minime",
        [
            "Glomerulonefrite post-streptococcica",
            "Nefropatia membranosa",
            "Nefropatia a IgA",
            "Glomerulonefrite membranoproliferativa",
        ],
    ),
    (
        "Una donna di 31 anni lamenta palpitazioni, tremore fine, intolleranza al caldo, calo ponderale "
        "nonostante l'appetito aumentato ed esoftalmo bilaterale. La tiroide è diffusamente ingrandita, non "
        "dolente, con soffio vascolare. TSH indosabile, FT4 elevato. Quale esame conferma l'eziologia più "
        "probabile?",
        "Dosaggio degli anticorpi anti-recettore del TSH (TRAb)",
        [
            "Calcitonina sierica",
            "Agoaspirato tiroideo",
            "Tireoglobulina sierica",
            "Cortisolo libero urinario",
        ],
    ),
    (
        "Una donna di 26 anni presenta da due mesi artralgie simmetriche delle piccole articolazioni delle mani, "
        "eritema al volto che risparmia i solchi nasolabiali e peggiora dopo l'esposizione al sole, ulcere "
        "orali indolori e astenia. Esami: leucociti 3.100/µL, piastrine 95.000/µL, proteinuria 0,8 g/24 h. "
        "Quale autoanticorpo è più specifico per la diagnosi sospettata?",
        "Anti-DNA a doppia elica",
        ["Anticorpi antinucleo (ANA)", "Anti-istone", "Fattore reumatoide", "Anti-centromero"],
    ),
    (
        "Un uomo di 72 anni, fumatore e iperteso, accusa un dolore addominale e lombare sinistro improvviso e "
        "lancinante, seguito da lipotimia. PA 80/50 mmHg, FC 125 bpm. Alla palpazione si apprezza una massa "
        "pulsante periombelicale. Un'ecografia eseguita al letto conferma un aneurisma dell'aorta addominale di "
        "7 cm. Quale è la condotta più appropriata?",
        "Trasferimento immediato in sala operatoria per riparazione chirurgica o endovascolare",
        [
            "Ecografia di controllo a sei mesi",
            "TC addome programmata per il giorno successivo",
            "Colonscopia urgente",
            "Terapia antibiotica e osservazione",
        ],
    ),
    (
        "Un uomo di 40 anni è rientrato da tre settimane da un viaggio di lavoro in Nigeria, dove non ha seguito "
        "alcuna chemioprofilassi. Presenta febbre elevata con brividi scuotenti, cefalea, mialgie e lieve ittero. "
        "Esami: piastrine 60.000/µL, bilirubina 3,1 mg/dL, Hb 11 g/dL. Quale esame va eseguito con urgenza?",
        "Striscio di sangue periferico e goccia spessa",
        [
            "Sierologia per epatite A",
            "Coprocoltura",
            "Esame chimico-fisico delle urine",
            "Sierologia per dengue ripetuta dopo due settimane",
        ],
    ),
    (
        "Una donna di 58 anni ha iniziato tre settimane fa enalapril per ipertensione. Giunge in pronto soccorso "
        "per un improvviso gonfiore delle labbra e della lingua, senza orticaria né prurito e senza "
        "broncospasmo. Non ha assunto alimenti nuovi né altri farmaci e non ha storia familiare di episodi "
        "simili. Quale è il meccanismo più probabile della reazione?",
        "Accumulo di bradichinina per inibizione della sua degradazione",
        [
            "Reazione IgE-mediata con degranulazione dei mastociti",
            "Deficit ereditario di C1-inibitore",
            "Deposizione di immunocomplessi",
            "Attivazione del sistema renina-angiotensina",
        ],
    ),
    (
        "Un uomo di 30 anni con schizofrenia, ricoverato per agitazione psicomotoria, riceve ripetute dosi di "
        "aloperidolo intramuscolo. Dopo 48 ore presenta febbre a 40 °C, rigidità muscolare 'a tubo di piombo', "
        "sudorazione, pressione arteriosa instabile e stato confusionale. La creatinchinasi è 18.000 U/L. Oltre "
        "alla sospensione dell'antipsicotico e alle misure di supporto, quale farmaco è indicato?",
        "Dantrolene",
        ["Ciproeptadina", "Aloperidolo a dose ridotta", "Fisostigmina", "Litio"],
    ),
    (
        "Una donna di 27 anni con amenorrea da 7 settimane accusa dolore in fossa iliaca destra e perdite "
        "ematiche vaginali scarse. È emodinamicamente stabile. La beta-hCG sierica è 3.200 mUI/mL e l'ecografia "
        "transvaginale mostra una cavità uterina vuota, una massa annessiale destra e scarso liquido libero nel "
        "Douglas. Quale è la diagnosi più probabile?",
        "Gravidanza ectopica tubarica",
        [
            "Aborto completo",
            "Gravidanza intrauterina iniziale normale",
            "Mola idatiforme",
            "Endometriosi ovarica",
        ],
    ),
    (
        "Un bambino di 2 anni presenta scarso accrescimento ponderale nonostante un appetito vorace, feci "
        "abbondanti, maleodoranti e untuose e ripetuti episodi di bronchite. I genitori riferiscono che la pelle "
        "del bambino ha un sapore salato quando lo baciano. Quale esame è indicato per confermare la diagnosi?",
        "Test del sudore con dosaggio del cloro",
        [
            "Test all'idrogeno espirato",
            "Dosaggio delle immunoglobuline sieriche",
            "Anticorpi anti-transglutaminasi",
            "Radiografia del torace",
        ],
    ),
    (
        "Una donna di 49 anni avverte, durante uno sforzo, una cefalea improvvisa e violentissima, 'la peggiore "
        "della sua vita', seguita da vomito e rigidità nucale. Non ha subito traumi. La TC encefalo senza mezzo "
        "di contrasto, eseguita entro sei ore, mostra iperdensità nelle cisterne della base. Quale è la causa più "
        "frequente di questo quadro?",
        "Rottura di un aneurisma sacculare intracranico",
        [
            "Angiopatia amiloide",
            "Trombosi dei seni venosi",
            "Dissezione dell'arteria carotide interna",
            "Encefalopatia ipertensiva",
        ],
    ),
    (
        "Un uomo di 66 anni, vegano da 15 anni senza integrazioni, lamenta astenia, parestesie ai piedi e "
        "instabilità nella marcia, peggiore al buio. All'esame obiettivo si rilevano riduzione della sensibilità "
        "vibratoria e propriocettiva agli arti inferiori e segno di Romberg positivo. Emocromo: Hb 9,8 g/dL, MCV "
        "118 fL, neutrofili ipersegmentati. Quale è la causa più probabile?",
        "Carenza di vitamina B12",
        ["Carenza di acido folico", "Anemia sideropenica", "Ipotiroidismo", "Neuropatia diabetica"],
    ),
    (
        "Un uomo di 47 anni, forte bevitore, presenta da 8 ore dolore epigastrico violento irradiato 'a cintura' "
        "al dorso, con vomito ripetuto; trova sollievo piegandosi in avanti. La lipasi sierica è 12 volte il "
        "limite superiore della norma; l'ecografia non mostra calcoli biliari né dilatazione delle vie biliari. "
        "Quale è il cardine della terapia iniziale?",
        "Idratazione endovenosa, analgesia e monitoraggio clinico",
        [
            "Antibioticoterapia profilattica con carbapenemi",
            "Colecistectomia d'urgenza",
            "ERCP urgente",
            "Laparotomia esplorativa",
        ],
    ),
    (
        "Un uomo di 64 anni con cardiomiopatia dilatativa post-ischemica e frazione di eiezione del 30% è in "
        "terapia con furosemide, ramipril e spironolattone e riferisce dispnea per sforzi moderati. PA 118/72 "
        "mmHg, FC 84 bpm in ritmo sinusale, potassio 4,4 mEq/L, funzione renale normale. Quale farmaco riduce la "
        "mortalità ed è indicato aggiungere?",
        "Un beta-bloccante come bisoprololo",
        ["Digossina", "Verapamil", "Nifedipina", "Amiodarone"],
    ),
    (
        "Una donna di 76 anni ricoverata in medicina, trattata da dieci giorni con ceftriaxone per una "
        "polmonite, sviluppa febbre, dolore addominale crampiforme e più di otto scariche al giorno di feci "
        "acquose maleodoranti. Leucociti 19.000/µL, creatinina nella norma. La ricerca delle tossine nelle feci "
        "è positiva. Quale è il trattamento di prima scelta?",
        "Vancomicina per via orale",
        [
            "Vancomicina endovena",
            "Loperamide",
            "Ciprofloxacina per via orale",
            "Prosecuzione del ceftriaxone a dose aumentata",
        ],
    ),
    (
        "Un uomo di 28 anni nota una massa dura e indolore al testicolo destro, presente da circa un mese. "
        "All'ecografia scrotale si osserva una lesione intratesticolare solida, ipoecogena, di 2 cm. "
        "Alfa-fetoproteina normale, beta-hCG lievemente aumentata, LDH nella norma. Quale è il passo successivo "
        "più appropriato?",
        "Orchiectomia radicale per via inguinale",
        [
            "Biopsia transcrotale con ago",
            "Terapia antibiotica e rivalutazione a quattro settimane",
            "Orchiectomia per via scrotale",
            "Radioterapia senza diagnosi istologica",
        ],
    ),
    (
        "Un uomo di 71 anni riferisce da tre giorni dolore urente al fianco sinistro e, da ieri, la comparsa di "
        "vescicole a grappolo su base eritematosa disposte a banda lungo un dermatomero toracico, senza superare "
        "la linea mediana. È immunocompetente e la funzione renale è normale. Quale terapia è più indicata?",
        "Valaciclovir per via orale per sette giorni",
        [
            "Amoxicillina per via orale",
            "Clotrimazolo crema",
            "Isotretinoina per via orale",
            "Nessuna terapia, solo osservazione",
        ],
    ),
    (
        "Un ragazzo di 17 anni, alto 1,96 m, con arti e dita molto lunghi, pectus excavatum e sublussazione del "
        "cristallino verso l'alto, viene valutato dopo che il padre è morto improvvisamente per una dissezione "
        "aortica. L'ecocardiogramma mostra una dilatazione della radice aortica. Quale gene è più probabilmente "
        "mutato?",
        "FBN1 (fibrillina-1)",
        ["COL3A1 (collagene di tipo III)", "CBS (cistationina beta-sintasi)", "FGFR3", "CFTR"],
    ),
    (
        "Una donna di 60 anni esegue accertamenti per una nefrolitiasi recidivante. Calcemia 11,6 mg/dL, "
        "fosforemia 2,1 mg/dL, PTH 140 pg/mL (valori normali 15-65), calciuria elevata, funzione renale nella "
        "norma e vitamina D sufficiente. La densitometria mostra osteoporosi al radio distale. Quale è la causa "
        "più probabile dell'ipercalcemia?",
        "Adenoma paratiroideo (iperparatiroidismo primario)",
        [
            "Metastasi ossee osteolitiche",
            "Sarcoidosi",
            "Intossicazione da vitamina D",
            "Ipercalcemia ipocalciurica familiare",
        ],
    ),
]
