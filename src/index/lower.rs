//! Lower-casing of index tokens, as tantivy's `LowerCaser` does, with a fast path for Chinese.
//!
//! `LowerCaser` looks every non-ASCII character up in Unicode's case tables. Nearly every token
//! of a Chinese list is ideographs, which have no case: at 100,000 items that lookup was a tenth
//! of the index build's time. Here a token of ASCII and CJK characters only has its ASCII letters
//! lowered in place; any other token goes through the full mapping, so the result is the same.

use std::mem;

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Token filter: the same terms as `tantivy::tokenizer::LowerCaser`.
#[derive(Clone)]
pub struct LowerCaser;

/// No case mapping (or the identity): general punctuation (“”…), CJK punctuation, kana, the CJK
/// ideographs (basic block, extension A and compatibility ideographs), and the full-width forms
/// (，：（）) but for the capital letters U+FF21…U+FF3A, which have one.
fn caseless(c: char) -> bool {
    matches!(c, '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF01}'..='\u{FF20}' | '\u{FF3B}'..='\u{FFEF}')
}

/// `text` lowered: ASCII letters in place when nothing else in it has a case.
pub fn lower_in_place(text: &mut String, buffer: &mut String) {
    if text.chars().all(|c| c.is_ascii() || caseless(c)) {
        text.make_ascii_lowercase();
    } else {
        buffer.clear();
        buffer.extend(text.chars().flat_map(char::to_lowercase));
        mem::swap(text, buffer);
    }
}

impl TokenFilter for LowerCaser {
    type Tokenizer<T: Tokenizer> = Filter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Filter<T> {
        Filter {
            tokenizer,
            buffer: String::new(),
        }
    }
}

#[derive(Clone)]
pub struct Filter<T> {
    tokenizer: T,
    buffer: String,
}

impl<T: Tokenizer> Tokenizer for Filter<T> {
    type TokenStream<'a> = Stream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        Stream {
            tail: self.tokenizer.token_stream(text),
            buffer: &mut self.buffer,
        }
    }
}

pub struct Stream<'a, T> {
    buffer: &'a mut String,
    tail: T,
}

impl<T: TokenStream> TokenStream for Stream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        lower_in_place(&mut self.tail.token_mut().text, self.buffer);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};

    fn terms(filter: impl tantivy::tokenizer::TokenFilter, text: &str) -> Vec<String> {
        let mut a = TextAnalyzer::builder(WhitespaceTokenizer::default())
            .filter(filter)
            .build();
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        out
    }

    #[test]
    fn same_terms_as_tantivys_lower_caser() {
        let text = "排污许可 ABC排污 ＡＢＣ ΣΑΣ Straße 道路运输ＧＰＳ かなカナ 「证照」 İstanbul 豈更 \
             “证照”… 《法》： （１２）ｂ ｶﾅ ［Ｘ］ 第１条，ａＢ";
        assert_eq!(
            terms(super::LowerCaser, text),
            terms(tantivy::tokenizer::LowerCaser, text)
        );
        assert_eq!(terms(super::LowerCaser, "ABC排污"), ["abc排污"]);
        assert_eq!(terms(super::LowerCaser, "ＡＢＣ"), ["ａｂｃ"]);
    }
}
