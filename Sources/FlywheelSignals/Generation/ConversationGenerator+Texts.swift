/// Prompt and response texts: varied, multilingual, with characters that need JSON escaping.
extension GeneratorCorpus {
    static let firstPromptLeads = ["", "", "", "Hi! ", "Quick question: ", "Please ", "hey, ", "Can you tell me: "]
        .map(escaped)
    static let followUpLeads = ["", "Thanks. Now ", "Follow-up: ", "Also, ", "Hmm, not quite. ", "OK and "]
        .map(escaped)

    static let promptBodies = [
        "how do I reverse a linked list in Swift?",
        "explain the difference between \"let\" and \"var\".",
        "why does my regex \\d+\\.\\d+ not match 3.14?",
        "what's a good name for a café that also sells books?",
        "translate \"good morning\" into Japanese (日本語).",
        "summarize this:\nThe quarterly report shows revenue up 12% and costs down 3%.",
        "fix this code:\n\tlet x = [1, 2, 3]\n\tprint(x[3])",
        "write a haiku about autumn in Kyoto 🍁",
        "what is the capital of Australia?",
        "list three pros and cons of remote work.",
        "how do I escape a backslash in JSON, like C:\\Users\\me?",
        "convert 72°F to Celsius.",
        "what does the error 'index out of range' mean?",
        "draft a polite e-mail declining a meeting.",
        "Wie funktioniert ein Dieselmotor? Bitte kurz erklären.",
        "¿Cuál es la diferencia entre ser y estar?",
        "explain Big-O of quicksort, worst case vs average.",
        "give me a SQL query that counts orders per customer.",
        "what's the weather usually like in Zürich in March?",
        "recommend a book similar to \"The Left Hand of Darkness\".",
        "how many grams are in 3/4 cup of flour?",
        "rewrite this to sound more formal: gonna be late, sorry!!",
        "why is the sky blue? Answer like I'm five.",
        "compare TCP and UDP in a table.",
        "help me plan a 3-day trip to 日本 on a budget.",
        "explain async/await in Swift with an example.",
        "what is a monad, in one paragraph?",
        "debug: my script prints \"None\" instead of the total.",
        "generate 5 test cases for a date parser, including Feb 29.",
        "Какой самый длинный мост в мире?",
        "write a limerick about a naïve robot.",
        "is it safe to store passwords with MD5?",
        "what's the shortest path algorithm for weighted graphs?",
        "tab-separated:\tname\tage\u{1}\u{7f} what are these odd bytes?",
    ].map(escaped)

    /// Sentences with an e-mail address or a phone number (contract section 3.4 patterns).
    static let piiExtras = [
        " You can reach me at jane.doe@example.com.",
        " Send the answer to m.garcia+work@mail.example.org please.",
        " My phone is +1 415 555 0100.",
        " Call me at (415) 555-0199 if that's easier.",
        " cc my colleague: chen.wei@example.co.uk",
        " My e-mail is o.brien@example.net, phone +1 212 555 0147.",
        " Reach me: ana_souza@example.com.br",
        " Office line (212) 555-0182, ask for Sam.",
        " Text me on 415.555.0123 when done.",
        " j.mueller@example.de wrote this, not me.",
    ].map(escaped)

    /// Sentences that look like personal data to a careless detector but match neither pattern.
    static let lookAlikeExtras = [
        " The deadline is 2026-11-26.",
        " I'm on Swift 6.3.1 (build 6.3.1.42).",
        " The server is 192.168.0.1, port 8080.",
        " Ticket #555-0100 in Jira.",
        " Ping @jane on Slack.",
        " ISBN 978-0-441-47812-5.",
        " It costs $1,234.56 (about €1.100).",
        " Meeting 10:30-11:15 on 26/11.",
        " Write to me at jane dot doe at example dot com.",
    ].map(escaped)

    /// Prompt tails: index 0 none, then PII, then look-alikes.
    static let promptExtras = [[]] + piiExtras + lookAlikeExtras

    static let responseLeads = [
        "", "", "Sure! ", "Good question. ", "Here's a concise answer: ", "Certainly — ",
        "Let me walk through it.\n\n",
    ].map(escaped)

    static let responseBodies = [
        "The key idea is to keep two pointers and swap the links as you go.",
        "Use `let` for constants and `var` for values that change.",
        "In JSON a backslash is written as \\\\, so C:\\Users becomes \"C:\\\\Users\".",
        "Here is an example:\n```swift\nfunc total(_ xs: [Int]) -> Int {\n    xs.reduce(0, +)\n}\n```",
        "Canberra is the capital of Australia.",
        "Pros: flexibility, no commute. Cons: isolation, blurred boundaries.",
        "「おはようございます」 (ohayō gozaimasu) is the polite form.",
        "Roughly 22.2 °C.",
        "A monad wraps a value and lets you chain computations that carry context.",
        "SELECT customer_id, COUNT(*) AS orders\nFROM orders\nGROUP BY customer_id;",
        "TCP is reliable and ordered; UDP is fast and connectionless.\n| | TCP | UDP |\n|---|---|---|\n| order | yes | no |",
        "No — MD5 is broken for passwords; use Argon2id or bcrypt.",
        "Dijkstra's algorithm works for non-negative weights; use Bellman–Ford otherwise.",
        "Leaves drift slowly /\nover the temple's stone steps /\nautumn says goodbye",
        "Ser describes essence; estar describes state. ¡Buena suerte!",
        "Rayleigh scattering: blue light bounces around more than red light.",
        "It prints \"None\" because the function has no return statement.",
        "For a refund, write to support@example.com and quote your order id.",
    ].map(escaped)

    static let responseTails = [
        "", "", "", " Let me know if that helps.", " 🚀", " Hope this helps!",
        "\n\nAnything else?",
    ].map(escaped)

    /// Whether a prompt tail index holds an e-mail address or phone number.
    static func isPII(extra: UInt16) -> Bool {
        extra >= 1 && Int(extra) <= piiExtras.count
    }
}
