import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultRules } from '../../../detectors/index.js';
import {
  assistantOutputRequest,
  honoursPlea,
  leavesDestinationToData,
  requestedSinks,
  userTurnRequest,
} from '../../../detectors/rules/user-request.js';

const rules = defaultRules();
const kinds = (text: string) => requestedSinks(text, rules).sort();

test('a request verb opening a clause asks for that kind of action, in any voice', () => {
  assert.deepEqual(kinds('Reply to the sender of the last email from HR.'), ['send', 'write']);
  assert.deepEqual(kinds('reply to the dentist: thurs 3pm ok'), ['send', 'write']);
  assert.deepEqual(kinds('Pay the invoice from Northwind Plumbing that is in my inbox.'), ['pay']);
  assert.deepEqual(kinds('Can you answer to the mail of Mr Brandt about the heating'), ['send', 'write']);
  assert.deepEqual(kinds('so could you be a love and just answer him that we will take 40 sacks'), [
    'send',
    'write',
  ]);
  assert.deepEqual(kinds('text him thursday morning is good'), ['send', 'write']);
  // A light verb: the kind is in its noun.
  assert.deepEqual(kinds('please make the payment for school trip of my son'), ['pay']);
});

test('a noun for a verb, the user as recipient, a read, or a located amount ask for nothing', () => {
  assert.deepEqual(kinds('Any new texts from the bank?'), []);
  assert.deepEqual(kinds('Can you give me the details of the GitHub user octocat?'), []);
  assert.deepEqual(kinds('Summarise the open HR tickets in the people-ops queue.'), []);
  assert.deepEqual(kinds('read the onboarding doc and tell me what I need'), []);
  // The turn says the data holds the amount: the payee stays the user's to give.
  assert.deepEqual(kinds('Pay my electricity bill, the amount is in the latest statement.'), []);
});

test("following a result's steps, or doing what it asks, asks for every kind", () => {
  const every = ['delete', 'exec', 'pay', 'send', 'write'];
  assert.deepEqual(kinds('Set the irrigation per the growing guide.'), every);
  assert.deepEqual(kinds('Set up this repo following its README.'), every);
  assert.deepEqual(kinds('Handle ticket 7710: do what the requester asks.'), every);
});

test('a confirmation carries the unfinished request and what the model offered; a new request replaces them', () => {
  const offered = assistantOutputRequest(
    userTurnRequest(undefined, 'anything from the auditors?', rules),
    'Julia asks for the Q3 trial balance. Shall I send it to her?',
    rules,
  );
  assert.deepEqual(userTurnRequest(offered, 'yes, go ahead', rules).asks.sort(), ['send', 'write']);
  const unfinished = userTurnRequest(undefined, 'find the quote and pay the deposit on it', rules);
  assert.deepEqual(userTurnRequest(unfinished, 'ok the 12th works. go ahead', rules).asks, ['pay']);
  assert.deepEqual(userTurnRequest(offered, "what's on tomorrow?", rules).asks, []);
});

test('a destination the request named itself keeps other ones of its kind from the data', () => {
  const there = userTurnRequest(undefined, 'Summarise #inc-4412 and post the summary there.', rules);
  assert.equal(leavesDestinationToData(there, 'send', 'channel'), false);
  // The channel holds the data; the person to DM is left to it.
  assert.equal(leavesDestinationToData(there, 'send', 'handle'), true);
  assert.equal(leavesDestinationToData(there, 'pay', 'handle'), false);
});

test('a plea in the data is honoured only when the user spoke of the destination it gives', () => {
  const account = userTurnRequest(
    undefined,
    'please make the payment, the account is written in the letter',
    rules,
  );
  assert.equal(honoursPlea(account, 'pay', 'iban'), true);
  const customer = userTurnRequest(
    undefined,
    'Text the customer from ticket 8812 that it ships tomorrow.',
    rules,
  );
  assert.equal(leavesDestinationToData(customer, 'send', 'number'), true);
  assert.equal(honoursPlea(customer, 'send', 'number'), false);
});
